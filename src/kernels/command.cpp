#include "kernels/command.hpp"

#include "io/output_file.hpp"
#include "kernels/process.hpp"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <string_view>

namespace kdsched::kernels {
namespace {

constexpr std::string_view known_keys[] = {"argv", "timeout"};
constexpr std::array<std::string_view, 6> placeholders{"file", "dataset", "begin", "end", "partition", "job"};

// The placeholder names used in `text` that kdsched does not know, if any.
std::string unknown_placeholder(std::string_view text) {
  for (std::size_t open = text.find('{'); open != std::string_view::npos; open = text.find('{', open + 1)) {
    const std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) return std::string(text.substr(open));
    const std::string_view name = text.substr(open + 1, close - open - 1);
    if (std::find(placeholders.begin(), placeholders.end(), name) == placeholders.end()) return std::string(name);
  }
  return {};
}

std::string replace_all(std::string text, std::string_view from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

CommandKernel::CommandKernel(const JobPlan& plan)
    : files_(plan.files),
      input_file_(plan.spec.input ? plan.spec.input->file.string() : ""),
      dataset_(plan.spec.input ? plan.spec.input->dataset : ""),
      job_name_(plan.spec.name),
      exit_codes_(plan.partitions.count(), -1),
      durations_(plan.partitions.count(), std::numeric_limits<double>::quiet_NaN()) {
  const job::Params& params = plan.spec.kernel_params;
  params.require_only(known_keys);
  const auto argv = params.find_string_array("argv");
  if (!argv || argv->empty()) params.fail("argv", "the command kernel needs argv = [\"program\", \"arguments\", ...]");
  argv_ = *argv;
  for (const auto& arg : argv_) {
    if (const std::string name = unknown_placeholder(arg); !name.empty()) {
      params.fail("argv", fmt::format("unknown placeholder '{{{}}}' (known: {{{}}})", name, fmt::join(placeholders, "} {")));
    }
  }
  if (!program_exists(argv_.front())) params.fail("argv", fmt::format("program '{}' not found", argv_.front()));
  if (const auto timeout = params.find_double("timeout")) {
    if (!(*timeout > 0)) params.fail("timeout", "timeout must be a positive number of seconds");
    timeout_ = std::chrono::duration<double>(*timeout);
  }
  logs_ = plan.spec.output.string() + ".logs";
}

std::vector<std::string> CommandKernel::arguments(const Task& task) const {
  const std::string file = files_.empty() ? input_file_ : files_.at(task.id).string();
  std::vector<std::string> args;
  for (const auto& arg : argv_) {
    std::string value = replace_all(arg, "{file}", file);
    value = replace_all(std::move(value), "{dataset}", dataset_);
    value = replace_all(std::move(value), "{begin}", std::to_string(task.rows.begin));
    value = replace_all(std::move(value), "{end}", std::to_string(task.rows.end));
    value = replace_all(std::move(value), "{partition}", std::to_string(task.id));
    args.push_back(replace_all(std::move(value), "{job}", job_name_));
  }
  return args;
}

CommandPartial CommandKernel::map_partition(const Task& task, const io::Block& /*rows*/) {
  io::make_own_folder(logs_);
  const std::string stem = fmt::format("partition-{:06}", task.id);
  const ProcessResult run = run_process(arguments(task), logs_ / (stem + ".out"), logs_ / (stem + ".err"), timeout_);
  const CommandPartial partial{run.exit_code, run.seconds};
  if (run.timed_out) {
    throw PartitionFailure(fmt::format("'{}' timed out after {:.3g} s", argv_.front(), timeout_->count()),
                           to_bytes(partial));
  }
  if (run.exit_code != 0) {
    throw PartitionFailure(fmt::format("'{}' exited with code {} (see {})", argv_.front(), run.exit_code,
                                       (logs_ / (stem + ".err")).string()),
                           to_bytes(partial));
  }
  return partial;
}

void CommandKernel::merge_partial(const Task& task, const CommandPartial& partial) {
  exit_codes_.at(task.id) = partial.exit_code;
  durations_.at(task.id) = partial.duration_s;
}

void CommandKernel::finish(io::Group& result) {
  result.write("exit_codes", std::span<const std::int32_t>(exit_codes_));
  result.write("duration_s", std::span<const double>(durations_));
}

}  // namespace kdsched::kernels
