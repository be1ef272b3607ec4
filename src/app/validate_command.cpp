#include "app/commands.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "io/output_file.hpp"
#include "kernels/registry.hpp"
#include "master/master.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

namespace kdsched::app {
namespace {

// Paths and names come from the job file, which may hold control characters.
std::string shown(const std::filesystem::path& path) { return escape_controls(path.string()); }

std::string output_note(const std::filesystem::path& output, bool force) {
  // A link at the output name is an existing output too: `run` would replace it.
  if (!std::filesystem::exists(std::filesystem::symlink_status(output))) return {};
  return force ? " (exists: --force replaces it)" : " (exists: `run` needs --force)";
}

void print_plan(const kernels::JobPlan& plan, bool force) {
  const job::JobSpec& spec = plan.spec;
  std::string text = fmt::format("{}: ok\n", shown(spec.path));
  text += fmt::format("  job         {} (kernel {})\n", spec.name, spec.kernel);
  if (plan.input) {
    const io::DatasetInfo& input = *plan.input;
    text += fmt::format("  input       {}:{}  {} rows x {} cols, {}, {}\n", shown(spec.input->file),
                        escape_controls(input.name), input.rows(), input.cols(), io::to_string(input.type),
                        input.chunk_rows ? fmt::format("chunks of {} rows", *input.chunk_rows) : "contiguous");
  } else if (plan.transactions) {
    text += fmt::format("  input       {}: {} transactions ({}, {})\n", shown(spec.input->file),
                        plan.partitions.rows().size(), escape_controls(spec.input->items),
                        escape_controls(spec.input->offsets));
  } else if (!plan.files.empty()) {
    text += fmt::format("  input       {} files, one partition each; the first: {}\n", plan.files.size(),
                        shown(plan.files.front()));
  } else {
    text += fmt::format("  range       [{}, {})\n", plan.partitions.rows().begin, plan.partitions.rows().end);
  }
  const std::uint64_t count = plan.partitions.count();
  text += fmt::format("  partitions  {} ({})\n", count, plan.files.empty() ? plan.partitions.explanation() : "one per file");
  if (count > 0) {
    const IndexRange first = plan.partitions.range(0);
    text += fmt::format("              first rows [{}, {}), {} per partition\n", first.begin, first.end,
                        plan.row_bytes() ? format_bytes(static_cast<double>(first.size() * plan.row_bytes()))
                                         : fmt::format("{} indices", first.size()));
  }
  const job::ScheduleSpec& schedule = spec.schedule;
  text += fmt::format("  schedule    chunking {} (chunk {}), stealing {}, order {}\n", job::to_string(schedule.chunking),
                      schedule.chunk, job::to_string(schedule.stealing), job::to_string(schedule.order));
  if (!schedule.costs_from.empty()) text += fmt::format("  costs from  {}\n", shown(schedule.costs_from));
  text += fmt::format("  output      {}{}\n", shown(spec.output), output_note(spec.output, force));
  std::fputs(text.c_str(), stdout);
}

}  // namespace

int validate_command(const std::vector<std::string>& jobs, bool force) {
  int worst = 0;
  for (const auto& path : jobs) {
    try {
      kernels::JobPlan plan = kernels::make_job_plan(job::parse_job_file(path));
      const auto kernel = kernels::make_kernel(plan);
      master::deal_order(plan, *kernel);  // checks costs_from
      kernels::check_output(plan);
      print_plan(plan, force);
    } catch (const Error& error) {
      print_error(error.what());
      worst = std::max(worst, static_cast<int>(error.code()));
    }
  }
  return worst;
}

}  // namespace kdsched::app
