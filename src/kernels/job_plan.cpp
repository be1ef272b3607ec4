#include "kernels/job_plan.hpp"

#include "common/error.hpp"
#include "io/output_file.hpp"

#include <fmt/format.h>
#include <glob.h>

namespace kdsched::kernels {
namespace {

// Glob patterns expanded (sorted, as the shell does), plain paths checked; each file found is
// one partition.
std::vector<std::filesystem::path> expand_files(const std::vector<std::filesystem::path>& patterns) {
  std::vector<std::filesystem::path> files;
  for (const auto& pattern : patterns) {
    glob_t found{};
    const int status = glob(pattern.c_str(), 0, nullptr, &found);
    if (status == 0) {
      for (std::size_t i = 0; i < found.gl_pathc; ++i) files.emplace_back(found.gl_pathv[i]);
    }
    globfree(&found);
    if (status == GLOB_NOMATCH) throw IoError(fmt::format("no file matches '{}'", pattern.string()));
    if (status != 0) throw IoError(fmt::format("cannot list the files of '{}'", pattern.string()));
  }
  return files;
}

}  // namespace

JobPlan make_job_plan(job::JobSpec spec) {
  PlanRequest request;
  request.rows_per_partition = spec.partition.rows;
  request.partition_count = spec.partition.count;

  std::optional<io::DatasetInfo> input;
  std::vector<std::filesystem::path> files;
  const bool transactions = spec.input && !spec.input->items.empty();
  const bool file_input = spec.input && !transactions && (!spec.input->files.empty() || spec.input->dataset.empty());
  if (transactions) {
    if (spec.input->offsets.empty()) throw UsageError(fmt::format("{}: [input] items needs offsets", spec.path.string()));
    const io::InputFile file(spec.input->file);
    const io::DatasetInfo offsets = file.dataset_info(spec.input->offsets);
    const io::DatasetInfo items = file.dataset_info(spec.input->items);
    if (offsets.cols() != 1 || items.cols() != 1 || offsets.rows() == 0) {
      throw IoError(fmt::format("'{}' needs 1-D datasets {} (n + 1 offsets) and {}", spec.input->file.string(),
                                spec.input->offsets, spec.input->items));
    }
    const std::uint64_t n = offsets.rows() - 1;
    request.rows = {0, n};
    // For the default size: the average bytes of a transaction.
    request.row_bytes = n ? (items.rows() * items.row_bytes() + offsets.rows() * offsets.row_bytes()) / n + 1 : 8;
  } else if (file_input) {
    files = expand_files(spec.input->files.empty() ? std::vector{spec.input->file} : spec.input->files);
    request = PlanRequest{};
    request.rows = {0, files.size()};
    request.rows_per_partition = 1;
  } else if (spec.input) {
    const io::InputFile file(spec.input->file);
    input = file.dataset_info(spec.input->dataset);
    request.rows = {0, input->rows()};
    request.row_bytes = input->row_bytes();
    request.chunk_rows = input->chunk_rows;
  } else if (spec.partition.range) {
    request.rows = {spec.partition.range->first, spec.partition.range->second};
  }
  PartitionPlan partitions = PartitionPlan::make(request);
  return JobPlan{std::move(spec), std::move(input), std::move(partitions), std::move(files), transactions};
}

void check_output(const JobPlan& plan) {
  const job::JobSpec& spec = plan.spec;
  std::vector<io::SourceFile> sources{{"the job file", spec.path}};
  // With files (or a pattern in `file`), the expanded list is what is read.
  if (plan.files.empty() && spec.input) sources.push_back({"input", spec.input->file});
  for (const auto& file : plan.files) sources.push_back({"input", file});
  if (!spec.schedule.costs_from.empty()) sources.push_back({"costs_from", spec.schedule.costs_from});
  io::check_output_path(spec.output, sources);
}

}  // namespace kdsched::kernels
