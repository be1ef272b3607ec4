#include "job/job_spec.hpp"

#include "common/error.hpp"
#include "common/log.hpp"
#include "job/table_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kdsched::job {
namespace {

namespace fs = std::filesystem;
using detail::TableView;

// Indexed by the enumerators' values.
constexpr std::array<std::string_view, 7> chunking_names{"static",    "cyclic",    "fixed",   "guided",
                                                         "factoring", "trapezoid", "adaptive"};
constexpr std::array<std::string_view, 3> stealing_names{"off", "random", "master"};
constexpr std::array<std::string_view, 2> order_names{"fifo", "lpt"};

constexpr std::array<std::string_view, 6> kernel_names{"stats",    "histogram", "kmeans",
                                                       "itemsets", "command",   "spin"};

constexpr std::array<std::string_view, 7> injection_names{"none",        "worker_start",        "grant",
                                                         "round_start", "stop_at_round_start", "stop_at_end",
                                                         "stop_after_end"};

constexpr std::array<std::string_view, 6> table_names{"job", "input", "partition", "kernel", "schedule", "faults"};
constexpr std::array<std::string_view, 3> job_keys{"name", "output", "description"};
constexpr std::array<std::string_view, 5> input_keys{"file", "dataset", "items", "offsets", "files"};
constexpr std::array<std::string_view, 3> partition_keys{"rows", "count", "range"};
constexpr std::array<std::string_view, 5> schedule_keys{"chunking", "chunk", "stealing", "order", "costs_from"};
constexpr std::array<std::string_view, 8> faults_keys{"retries",     "partition_timeout", "speculate",
                                                      "worker_timeout", "checkpoint_seconds", "inject_error",
                                                      "inject_rank", "inject_delay"};

toml::table parse_toml(const std::string& text, const std::string& file) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& error) {
    detail::fail_at(file, error.source().begin, std::string(error.description()));
  }
}

// The C library reads paths and arguments up to the first NUL, so a value holding one would
// silently name something else.
void reject_nul(const toml::node& node, const std::string& file, std::string_view key) {
  if (const auto* text = node.as_string()) {
    if (text->get().find('\0') != std::string::npos) {
      detail::fail_at(file, node.source().begin,
                      fmt::format("{} \"{}\" must not contain a NUL character", key, text->get()));
    }
  } else if (const auto* table = node.as_table()) {
    for (const auto& [name, child] : *table) reject_nul(child, file, name.str());
  } else if (const auto* array = node.as_array()) {
    for (const auto& element : *array) reject_nul(element, file, key);
  }
}

// Known tables must be tables, and anything else at the top level is a typo worth pointing at.
void check_top_level(const toml::table& root, const std::string& file) {
  for (const auto& [key, node] : root) {
    const bool known = std::ranges::find(table_names, key.str()) != table_names.end();
    if (known && !node.is_table()) {
      detail::fail_at(file, key.source().begin, fmt::format("{} must be a table", key.str()));
    }
    if (known) continue;
    if (!node.is_table() && !node.is_array_of_tables()) {
      detail::fail_at(file, key.source().begin, fmt::format("unknown key '{}' outside any table", key.str()));
    }
    const std::string hint = detail::did_you_mean(key.str(), table_names, "[", "]");
    detail::fail_at(file, node.source().begin, fmt::format("unknown table [{}]{}", key.str(), hint));
  }
}

// Job files name paths relative to their own folder, so that a job folder can move as a whole.
fs::path resolve(const fs::path& folder, const std::string& value) {
  const fs::path path(value);
  return (path.is_absolute() ? path : folder / path).lexically_normal();
}

std::optional<fs::path> find_path(const TableView& table, std::string_view key, const fs::path& folder) {
  const auto value = table.find_string(key);
  if (!value) return std::nullopt;
  if (value->empty()) table.fail(key, fmt::format("{} must not be empty", key));
  return resolve(folder, *value);
}

std::optional<std::uint64_t> find_positive(const TableView& table, std::string_view key) {
  if (const auto value = table.find_int_at_least(key, 1)) return static_cast<std::uint64_t>(*value);
  return std::nullopt;
}

template <typename Enum, std::size_t N>
void read_choice(const TableView& table, std::string_view key, const std::array<std::string_view, N>& names,
                 Enum& out) {
  if (const auto index = table.find_choice(key, names)) out = static_cast<Enum>(*index);
}

bool valid_job_name(std::string_view name) {
  const auto allowed = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  };
  return !name.empty() && name.size() <= 64 && std::ranges::all_of(name, allowed);
}

void read_job(const TableView& table, const fs::path& folder, JobSpec& job) {
  table.require_only(job_keys);
  job.name = table.require_string("name");
  if (!valid_job_name(job.name)) {
    table.fail("name", fmt::format("name '{}' must be 1 to 64 characters among A-Z a-z 0-9 . _ -", job.name));
  }
  const auto output = find_path(table, "output", folder);
  if (!output) table.fail_missing("output");
  // "results/" (or "results/.") names a folder: a run would compute everything, then fail to rename
  // its result onto it.
  if (output->filename().empty()) {
    const std::string value = *table.find_string("output");
    table.fail("output", fmt::format("output '{}' names a folder; it must name a file, such as '{}'", value,
                                     (fs::path(value) / "result.h5").lexically_normal().string()));
  }
  job.output = *output;
  job.description = table.find_string("description").value_or("");
}

std::optional<InputSpec> read_input(const TableView& table, const fs::path& folder) {
  if (!table.present()) return std::nullopt;
  table.require_only(input_keys);
  InputSpec input;
  if (const auto file = find_path(table, "file", folder)) input.file = *file;
  if (const auto files = table.find_strings("files")) {
    if (table.contains("file")) table.fail("files", "file and files are mutually exclusive");
    if (files->empty()) table.fail("files", "files must not be empty");
    for (const auto& file : *files) input.files.push_back(resolve(folder, file));
  } else if (input.file.empty()) {
    table.fail_missing("file");
  }
  input.dataset = table.find_string("dataset").value_or("");
  input.items = table.find_string("items").value_or("");
  input.offsets = table.find_string("offsets").value_or("");
  return input;
}

PartitionSpec read_partition(const TableView& table, bool has_input) {
  table.require_only(partition_keys);
  PartitionSpec partition;
  partition.rows = find_positive(table, "rows");
  partition.count = find_positive(table, "count");
  if (partition.rows && partition.count) table.fail("count", "rows and count are mutually exclusive");
  const auto range = table.find_int_array("range");
  if (!range) {
    if (!has_input) table.fail_missing("range", "a job without [input] partitions an index range");
    return partition;
  }
  if (has_input) table.fail("range", "range is only allowed in a job without [input]");
  if (range->size() != 2) table.fail("range", "range must be [begin, end]");
  const auto [begin, end] = std::pair((*range)[0], (*range)[1]);
  if (begin < 0 || begin > end) table.fail("range", "range [begin, end] must satisfy 0 <= begin <= end");
  partition.range = std::pair(static_cast<std::uint64_t>(begin), static_cast<std::uint64_t>(end));
  return partition;
}

// Moves the [kernel] table out of the document: Params needs the source positions, which a copy drops.
void read_kernel(toml::table* kernel, const std::string& file, JobSpec& job) {
  const TableView table(kernel, file, "kernel");
  const auto index = table.find_choice("name", kernel_names);
  if (!index) table.fail_missing("name");
  job.kernel = kernel_names[*index];
  auto params = std::make_shared<toml::table>(std::move(*kernel));
  params->erase("name");
  job.kernel_params = Params(std::move(params), file, "kernel");
}

ScheduleSpec read_schedule(const TableView& table, const fs::path& folder) {
  table.require_only(schedule_keys);
  ScheduleSpec schedule;
  read_choice(table, "chunking", chunking_names, schedule.chunking);
  if (const auto chunk = find_positive(table, "chunk")) schedule.chunk = *chunk;
  read_choice(table, "stealing", stealing_names, schedule.stealing);
  read_choice(table, "order", order_names, schedule.order);
  schedule.costs_from = find_path(table, "costs_from", folder).value_or(fs::path());
  // Measured costs only decide the deal order; silently ignoring them would mislead.
  if (!schedule.costs_from.empty() && schedule.order != Order::lpt) {
    table.fail("costs_from", "costs_from needs order = \"lpt\" (it orders the deal by the measured costs)");
  }
  return schedule;
}

FaultSpec read_faults(const TableView& table) {
  table.require_only(faults_keys);
  FaultSpec faults;
  if (const auto retries = table.find_int_at_least("retries", 0)) {
    if (*retries > 100) table.fail("retries", "retries must be 0 to 100");
    faults.retries = static_cast<std::uint32_t>(*retries);
  }
  if (const auto limit = table.find_double("partition_timeout")) {
    if (!(*limit >= 0 && *limit <= 1e7)) table.fail("partition_timeout", "partition_timeout must be 0 (no limit) to 1e7 seconds");
    faults.partition_timeout_s = *limit;
  }
  if (const auto speculate = table.find_bool("speculate")) faults.speculate = *speculate;
  if (const auto timeout = table.find_double("worker_timeout")) {
    // Below a second, a loaded machine's scheduling delays would look like lost workers.
    if (!(*timeout >= 1 && *timeout <= 1e6)) table.fail("worker_timeout", "worker_timeout must be 1 to 1e6 seconds");
    faults.worker_timeout_s = *timeout;
  }
  if (const auto interval = table.find_double("checkpoint_seconds")) {
    if (!(*interval > 0 && *interval <= 1e6)) table.fail("checkpoint_seconds", "checkpoint_seconds must be above 0 and at most 1e6");
    faults.checkpoint_s = *interval;
  }
  read_choice(table, "inject_error", injection_names, faults.inject_error);
  if (const auto delay = table.find_double("inject_delay")) {
    if (!(*delay >= 0 && *delay <= 3600)) table.fail("inject_delay", "inject_delay must be 0 to 3600 seconds");
    faults.inject_delay_s = *delay;
  }
  if (const auto rank = table.find_int_at_least("inject_rank", 0)) faults.inject_rank = static_cast<int>(std::min<std::int64_t>(*rank, 1 << 30));
  return faults;
}

}  // namespace

std::string_view to_string(Chunking chunking) { return chunking_names[static_cast<std::size_t>(chunking)]; }
std::string_view to_string(Stealing stealing) { return stealing_names[static_cast<std::size_t>(stealing)]; }
std::string_view to_string(Order order) { return order_names[static_cast<std::size_t>(order)]; }
std::string_view to_string(InjectedError where) { return injection_names[static_cast<std::size_t>(where)]; }
std::span<const std::string_view> chunking_choices() { return chunking_names; }
std::span<const std::string_view> stealing_choices() { return stealing_names; }
std::span<const std::string_view> order_choices() { return order_names; }

JobSpec parse_job_file(const fs::path& path) {
  const auto unreadable = [&](std::string_view reason) {
    return IoError(fmt::format("cannot read job file '{}': {}", path.string(), reason));
  };
  std::error_code error;
  if (fs::is_directory(path, error)) throw unreadable("is a directory");
  std::ifstream stream(path, std::ios::binary);
  if (!stream) throw unreadable(std::strerror(errno));
  std::ostringstream text;
  text << stream.rdbuf();
  if (stream.bad()) throw unreadable("read error");
  return parse_job_text(std::move(text).str(), path);
}

JobSpec parse_job_text(const std::string& text, const fs::path& path) {
  const std::string file = path.string();
  toml::table root = parse_toml(text, file);
  reject_nul(root, file, "");
  check_top_level(root, file);
  const auto table = [&](std::string_view name) { return TableView(root.get_as<toml::table>(name), file, name); };
  const fs::path folder = path.parent_path();

  JobSpec job;
  job.path = path;
  job.text = text;
  read_job(table("job"), folder, job);
  job.input = read_input(table("input"), folder);
  job.partition = read_partition(table("partition"), job.input.has_value());
  auto* partition = root.get_as<toml::table>("partition");
  job.partition.table =
      Params(partition ? std::make_shared<toml::table>(std::move(*partition)) : nullptr, file, "partition");
  read_kernel(root.get_as<toml::table>("kernel"), file, job);
  // Kernels over a dataset need its name; itemsets names its CSR datasets, command its files.
  const bool names_own_inputs = job.kernel == "itemsets" || job.kernel == "command";
  if (job.input && !job.input->file.empty() && job.input->dataset.empty() && !names_own_inputs) {
    table("input").fail_missing("dataset", fmt::format("the {} kernel reads a dataset", job.kernel));
  }
  job.schedule = read_schedule(table("schedule"), folder);
  job.faults = read_faults(table("faults"));
  log::debug("{}: job '{}' loaded (kernel {}, chunking {}, stealing {}, order {}), output {}", file, job.name,
             job.kernel, to_string(job.schedule.chunking), to_string(job.schedule.stealing),
             to_string(job.schedule.order), job.output.string());
  return job;
}

}  // namespace kdsched::job
