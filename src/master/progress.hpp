#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace kdsched::master {

enum class ProgressMode { automatic, on, off };
ProgressMode parse_progress_mode(std::string_view text);

// Progress on rank 0's stderr: a bar redrawn in place on a terminal, and a plain line every
// few seconds otherwise (a Slurm .out file should read like a log, not a stream of '\r').
class Progress {
 public:
  Progress(ProgressMode mode, std::uint64_t total);
  // Iterative kernels: from this round on (0-based, shown from 1) progress names the round, out
  // of at most `limit` rounds (0: no bound known). A limit of 1 means a single-round job.
  void begin_round(std::uint32_t round, std::uint64_t limit);
  void update(std::uint64_t completed, std::uint64_t failed);
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_ = false;
  bool bar_ = false;
  std::uint64_t total_;
  std::string round_;  // "round 3/≤309: ", or "" for a single-round job
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = Clock::now();
  bool drawn_ = false;
};

}  // namespace kdsched::master
