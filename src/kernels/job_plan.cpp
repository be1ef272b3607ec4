#include "kernels/job_plan.hpp"

#include "common/error.hpp"

#include <fmt/format.h>

namespace kdsched::kernels {

JobPlan make_job_plan(job::JobSpec spec) {
  PlanRequest request;
  request.rows_per_partition = spec.partition.rows;
  request.partition_count = spec.partition.count;

  std::optional<io::DatasetInfo> input;
  if (spec.input) {
    const io::InputFile file(spec.input->file);
    input = file.dataset_info(spec.input->dataset);
    request.rows = {0, input->rows()};
    request.row_bytes = input->row_bytes();
    request.chunk_rows = input->chunk_rows;
  } else if (spec.partition.range) {
    request.rows = {spec.partition.range->first, spec.partition.range->second};
  }
  PartitionPlan partitions = PartitionPlan::make(request);
  return JobPlan{std::move(spec), std::move(input), std::move(partitions)};
}

}  // namespace kdsched::kernels
