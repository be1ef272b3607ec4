#pragma once

#include "io/input_file.hpp"
#include "job/job_spec.hpp"
#include "partition/partition_plan.hpp"

#include <filesystem>
#include <optional>
#include <vector>

namespace kdsched::kernels {

// A job made concrete: its spec, the input it reads, and its partitions. Building one checks
// that the input exists and has a usable shape and type, and that writing the output can replace
// none of the files the job reads.
struct JobPlan {
  job::JobSpec spec;
  std::optional<io::DatasetInfo> input;
  PartitionPlan partitions;
  std::vector<std::filesystem::path> files;  // one partition per file, when the input is files
  bool transactions = false;                 // the input is CSR transactions (items + offsets)

  std::uint64_t row_bytes() const { return input ? input->row_bytes() : 0; }
};

// Throws UsageError for inconsistent jobs and for an output that is one of the files the job reads,
// IoError for unusable inputs and for an output that is a directory.
JobPlan make_job_plan(job::JobSpec spec);

}  // namespace kdsched::kernels
