#pragma once

#include "job/params.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace kdsched::job {

enum class Chunking { static_block, cyclic, fixed, guided, factoring, trapezoid, adaptive };
enum class Stealing { off, random, master };
enum class Order { fifo, lpt };
// Where a worker throws on purpose, for kdsched's own tests of its error paths.
// Where a test makes a worker fail: it throws while it starts, when it receives a grant or
// when a round begins; or it stops itself (SIGSTOP) once it has sent its /workers row, or once
// it has acknowledged the end of the job, as a node that hangs at the very end.
enum class InjectedError { none, worker_start, grant, round_start, stop_at_round_start, stop_at_end, stop_after_end };

std::string_view to_string(Chunking chunking);
std::string_view to_string(Stealing stealing);
std::string_view to_string(Order order);
std::string_view to_string(InjectedError where);

// The spellings of the [schedule] choices, indexed by the enumerators' values.
std::span<const std::string_view> chunking_choices();
std::span<const std::string_view> stealing_choices();
std::span<const std::string_view> order_choices();

struct InputSpec {
  std::filesystem::path file;  // absolute or relative to the working directory, already resolved
  std::string dataset;         // "" when the kernel names its datasets itself
  std::string items;           // itemsets: the CSR datasets of the transactions
  std::string offsets;
  std::vector<std::filesystem::path> files;  // command: one partition per file; may hold glob patterns
};

struct PartitionSpec {
  std::optional<std::uint64_t> rows;   // rows per partition
  std::optional<std::uint64_t> count;  // number of partitions
  std::optional<std::pair<std::uint64_t, std::uint64_t>> range;  // [begin, end) without [input]
  Params table;  // the [partition] table, to locate errors found once the input's size is known
};

struct ScheduleSpec {
  Chunking chunking = Chunking::guided;
  std::uint64_t chunk = 1;
  Stealing stealing = Stealing::random;
  Order order = Order::fifo;
  std::filesystem::path costs_from;  // a previous result file whose measured times estimate costs; "" if none
};

struct FaultSpec {
  std::uint32_t retries = 2;     // a failed partition runs again up to this many more times
  double partition_timeout_s = 0;  // an attempt running longer fails (0: no limit)
  bool speculate = true;         // idle workers run backup copies of partitions that run far too long
  double worker_timeout_s = 60;  // a rank silent this long counts as lost
  double checkpoint_s = 5;       // the journal is made durable at least this often
  InjectedError inject_error = InjectedError::none;
  int inject_rank = 0;  // the rank that throws; 0: every worker
  double inject_delay_s = 0;  // every partition waits this long before its kernel runs
};

// A parsed and validated job file. Paths are resolved against the job file's folder.
struct JobSpec {
  std::filesystem::path path;  // the job file itself
  std::string text;            // its full TOML text, stored in the result file
  std::string name;
  std::string description;
  std::filesystem::path output;
  std::optional<InputSpec> input;
  PartitionSpec partition;
  std::string kernel;  // one of the kernel names of the job-file format
  Params kernel_params;  // the [kernel] table minus `name`
  ScheduleSpec schedule;
  FaultSpec faults;
};

// Parses and validates a job file. Every problem is a UsageError whose message reads
// "FILE:LINE:COLUMN: message"; a file that cannot be read is an IoError.
JobSpec parse_job_file(const std::filesystem::path& path);

// Same, from text already read (workers receive the text from the master).
JobSpec parse_job_text(const std::string& text, const std::filesystem::path& path);

}  // namespace kdsched::job
