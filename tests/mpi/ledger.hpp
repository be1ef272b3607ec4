#pragma once

#include "io/records.hpp"
#include "mpi/harness.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kdsched::testing {

// A spin job over the index range [begin, end) with lognormal sleeping costs; `schedule` is the
// body of [schedule], `extra` more [kernel] keys.
std::string spin_job(std::uint64_t begin, std::uint64_t end, const std::string& schedule,
                     const std::string& extra = "");

// A spin job with one partition per row of /costs in costs.h5, sleeping; its output is NAME.h5.
// `kernel` holds the cost keys of [kernel], `schedule` the body of [schedule].
std::string costs_job(const std::string& name, const std::string& kernel, const std::string& schedule);

// The scheduling record of a result file: /partitions, /workers and their steal totals.
struct Ledger {
  std::vector<io::PartitionRecord> partitions;
  std::vector<io::WorkerRecord> workers;
  std::uint64_t steals_sent = 0, steals_received = 0, steal_attempts = 0, stolen = 0;
};

Ledger read_ledger(const std::filesystem::path& file);

// Every id in [0, count) appears exactly once in /partitions (a gtest assertion).
void expect_each_id_once(const Ledger& ledger, std::uint64_t count);

// End-to-end tests of scheduling: run a job, then look at who ran what.
class ScheduleTest : public EndToEnd {
 protected:
  // Writes `job` as job.toml (its output: result.h5), runs it on `ranks` (0: no launcher),
  // expects exit 0 and every partition in [0, count) exactly once, and returns the ledger
  // (empty after a failure).
  Ledger run_once_each(int ranks, const std::string& job, std::uint64_t count);
};

}  // namespace kdsched::testing
