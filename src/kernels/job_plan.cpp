#include "kernels/job_plan.hpp"

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "io/records.hpp"
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

// Every rank builds the plan and the master keeps a record of each partition for every round, so
// a job of too many partitions is refused before anything is sized by its count.
void check_count(const job::JobSpec& spec, std::uint64_t count) {
  if (count <= PartitionPlan::max_count) return;
  const job::PartitionSpec& partition = spec.partition;
  const std::string_view key = partition.count ? "count" : partition.range && !partition.rows ? "range" : "rows";
  const std::uint64_t record = sizeof(io::PartitionRecord);
  partition.table.fail(
      key, fmt::format("the plan has {} partitions, more than the {} a job may have (the master keeps a {}-byte "
                       "record of every partition in every round: {} a round at that limit); set [partition] "
                       "rows or count for fewer, larger partitions",
                       count, PartitionPlan::max_count, record,
                       format_bytes(static_cast<double>(record * PartitionPlan::max_count))));
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
  check_count(spec, partitions.count());
  log::debug("{}: plan of {} partitions over [{}, {}): {}", spec.path.string(), partitions.count(),
             partitions.rows().begin, partitions.rows().end,
             files.empty() ? partitions.explanation() : fmt::format("one per file of {}", files.size()));
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
