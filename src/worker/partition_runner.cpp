#include "worker/partition_runner.hpp"

#include <fmt/format.h>

#include <exception>
#include <thread>

namespace kdsched::worker {

PartitionRunner::PartitionRunner(const kernels::JobPlan& plan, kernels::Kernel& kernel, Clock::time_point job_start,
                                 Rank rank)
    : plan_(plan), kernel_(kernel), job_start_(job_start) {
  const job::FaultSpec& faults = plan.spec.faults;
  if (faults.inject_rank == 0 || faults.inject_rank == rank) delay_ = std::chrono::duration<double>(faults.inject_delay_s);
  if (plan.spec.faults.partition_timeout_s > 0) {
    timeout_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(plan.spec.faults.partition_timeout_s));
  }
  if (kernel_.reads_input() && plan_.input) input_.emplace(plan_.spec.input->file);
}

const io::Block& PartitionRunner::rows_of(const kernels::Task& task) {
  if (const auto cached = cache_.find(task.id); cached != cache_.end()) {
    ++cache_hits_;
    return cached->second;
  }
  input_->read_rows(plan_.input->name, task.rows.begin, task.rows.end, block_);
  const std::uint64_t bytes = block_.values.size() * sizeof(double);
  bytes_read_ += task.rows.size() * plan_.row_bytes();
  // Kept while the budget lasts; a partition that does not fit is read again next round.
  if (cache_used_ + bytes <= kernel_.cache_bytes()) {
    cache_used_ += bytes;
    return cache_.emplace(task.id, block_).first->second;
  }
  return block_;
}

std::string PartitionRunner::timeout_message() const {
  return fmt::format("timed out after {:g} s (partition_timeout)", plan_.spec.faults.partition_timeout_s);
}

double PartitionRunner::since_start(Clock::time_point t) const {
  return std::chrono::duration<double>(t - job_start_).count();
}

protocol::Outcome PartitionRunner::run(PartitionId id, bool stolen, bool right_after, Bytes buffer) {
  protocol::Outcome outcome;
  outcome.partial = std::move(buffer);
  outcome.id = id;
  outcome.stolen = stolen;
  const std::uint64_t bytes_before = bytes_read_;
  const std::uint64_t hits_before = cache_hits_;
  const auto start = right_after ? last_end_ : Clock::now();
  kernels::Task task{id, plan_.partitions.range(id)};
  if (timeout_) task.deadline = start + *timeout_;
  try {
    // A slow kernel on demand, for tests that interrupt a run midway.
    // A slow kernel (or a slow rank) on demand, for tests of interrupted runs and stragglers; it
    // ignores the partition's deadline, as a kernel that cannot be interrupted would.
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    kernel_.map(task, input_ ? rows_of(task) : block_, outcome.partial);
  } catch (const kernels::PartitionFailure& failure) {
    outcome.ok = false;
    outcome.error = failure.what();
    outcome.partial = failure.partial();
  } catch (const std::exception& error) {
    outcome.ok = false;
    outcome.error = error.what();
    outcome.partial.clear();
  }
  const auto end = Clock::now();
  last_end_ = end;
  if (end > task.deadline) {
    // Whatever the kernel made of it, the attempt ran too long.
    outcome.ok = false;
    outcome.error = timeout_message();
    outcome.partial.clear();
  }
  outcome.start_s = since_start(start);
  outcome.end_s = since_start(end);
  outcome.bytes_read = bytes_read_ - bytes_before;
  outcome.cache_hit = cache_hits_ > hits_before;
  busy_s_ += outcome.end_s - outcome.start_s;
  ++partitions_;
  return outcome;
}

}  // namespace kdsched::worker
