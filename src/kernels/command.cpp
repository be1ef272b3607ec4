#include "kernels/command.hpp"

#include "io/output_file.hpp"
#include "kernels/process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>

namespace kdsched::kernels {
namespace {

constexpr std::string_view known_keys[] = {"argv", "timeout"};
constexpr std::array<std::string_view, 6> placeholders{"file", "dataset", "begin", "end", "partition", "job"};

struct Expansion {
  std::string text;
  std::string error;  // why `text` is not a valid argument, if it is not
};

// Replaces each "{name}" in `text` by values[i], placeholders[i] == name; "{{" and "}}" stand for
// literal braces, as in fmt and Python, so that programs like awk can receive them.
Expansion expand(std::string_view text, const std::array<std::string, placeholders.size()>& values) {
  Expansion out;
  for (std::size_t at = 0; at < text.size(); ++at) {
    const char c = text[at];
    if ((c == '{' || c == '}') && at + 1 < text.size() && text[at + 1] == c) {
      out.text += c;
      ++at;
    } else if (c == '}') {
      out.error = "a literal '}' is written '}}'";
      return out;
    } else if (c == '{') {
      const std::size_t close = text.find_first_of("{}", at + 1);
      if (close == std::string_view::npos || text[close] != '}') {
        out.error = "a literal '{' is written '{{'";
        return out;
      }
      const std::string_view name = text.substr(at + 1, close - at - 1);
      const auto known = std::find(placeholders.begin(), placeholders.end(), name);
      if (known == placeholders.end()) {
        out.error = fmt::format("unknown placeholder '{{{}}}' (known: {{{}}}; a literal brace is written {{{{ or }}}})",
                                name, fmt::join(placeholders, "} {"));
        return out;
      }
      out.text += values[static_cast<std::size_t>(known - placeholders.begin())];
      at = close;
    } else {
      out.text += c;
    }
  }
  return out;
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
    if (const Expansion checked = expand(arg, {}); !checked.error.empty()) params.fail("argv", checked.error);
  }
  if (const std::string problem = program_problem(argv_.front()); !problem.empty()) {
    params.fail("argv", fmt::format("program '{}' {}", argv_.front(), problem));
  }
  if (const auto timeout = params.find_double("timeout")) {
    if (!(*timeout > 0)) params.fail("timeout", "timeout must be a positive number of seconds");
    timeout_ = std::chrono::duration<double>(*timeout);
  }
  logs_ = plan.spec.output.string() + ".logs";
}

std::vector<std::string> CommandKernel::arguments(const Task& task) const {
  const std::array<std::string, placeholders.size()> values{
      files_.empty() ? input_file_ : files_.at(task.id).string(), dataset_, std::to_string(task.rows.begin),
      std::to_string(task.rows.end), std::to_string(task.id), job_name_};
  std::vector<std::string> args;
  for (const auto& arg : argv_) args.push_back(expand(arg, values).text);
  return args;
}

CommandPartial CommandKernel::map_partition(const Task& task, const io::Block& /*rows*/) {
  io::make_own_folder(logs_);
  const std::string stem = fmt::format("partition-{:06}", task.id);
  // The program is killed at its own timeout or at the attempt's deadline, whichever comes first.
  std::optional<std::chrono::duration<double>> limit = timeout_;
  if (task.deadline != Task::Clock::time_point::max()) {
    const std::chrono::duration<double> left = task.deadline - Task::Clock::now();
    if (!limit || left < *limit) limit = std::max(left, std::chrono::duration<double>(0));
  }
  const ProcessResult run = run_process(arguments(task), logs_ / (stem + ".out"), logs_ / (stem + ".err"), limit);
  const CommandPartial partial{run.exit_code, run.seconds};
  if (run.timed_out) {
    throw PartitionFailure(fmt::format("'{}' timed out after {:.3g} s", argv_.front(), limit->count()),
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
