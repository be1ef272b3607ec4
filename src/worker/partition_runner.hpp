#pragma once

#include "io/block.hpp"
#include "io/input_file.hpp"
#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"
#include "protocol/messages.hpp"

#include <chrono>
#include <optional>
#include <unordered_map>

namespace kdsched::worker {

// Runs one partition end to end: reads its rows (the worker's own hyperslab, never shipped by
// the master), maps it with the kernel, and turns any exception into a failed outcome so that
// errors never cross MPI as exceptions.
class PartitionRunner {
 public:
  using Clock = std::chrono::steady_clock;

  // `rank` runs the partitions: `[faults] inject_delay` with an `inject_rank` delays that rank's only.
  PartitionRunner(const kernels::JobPlan& plan, kernels::Kernel& kernel, Clock::time_point job_start, Rank rank = 0);

  // `right_after` says the partition starts where the one run before it ended, which saves a
  // clock read per partition in a stream of tiny ones; `buffer` is reused for the partial result.
  protocol::Outcome run(PartitionId id, bool stolen, bool right_after = false, Bytes buffer = {});

  std::uint64_t bytes_read() const { return bytes_read_; }
  std::uint64_t cache_hits() const { return cache_hits_; }
  double busy_seconds() const { return busy_s_; }
  std::uint64_t partitions() const { return partitions_; }
  // partition_timeout, if the job sets one.
  std::optional<Clock::duration> timeout() const { return timeout_; }
  std::string timeout_message() const;

 private:
  double since_start(Clock::time_point t) const;

  const kernels::JobPlan& plan_;
  kernels::Kernel& kernel_;
  Clock::time_point job_start_;
  std::optional<Clock::duration> timeout_;
  std::chrono::duration<double> delay_{};
  Clock::time_point last_end_{};
  std::optional<io::InputFile> input_;
  const io::Block& rows_of(const kernels::Task& task);

  io::Block block_;  // reused: partitions of one job have similar sizes
  std::unordered_map<PartitionId, io::Block> cache_;
  std::uint64_t cache_used_ = 0;
  std::uint64_t cache_hits_ = 0;
  std::uint64_t bytes_read_ = 0;
  double busy_s_ = 0;
  std::uint64_t partitions_ = 0;
};

}  // namespace kdsched::worker
