#pragma once

#include "io/records.hpp"
#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"
#include "protocol/endpoint.hpp"
#include "scheduling/backoff.hpp"
#include "scheduling/local_queue.hpp"
#include "scheduling/result_batching.hpp"
#include "scheduling/silence_detector.hpp"
#include "scheduling/victim_selector.hpp"
#include "scheduling/worker_rules.hpp"
#include "worker/partition_runner.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace kdsched::worker {

// A worker rank. Two threads: this one talks MPI and the executor runs kernels, so that steal
// requests and grants are answered within a poll interval even while a partition takes hours.
// The executor never calls MPI, which keeps the MPI threading level at "funneled". Streams of
// very short partitions run on this thread instead, where they cost no thread hand-off.
class Worker {
 public:
  using Clock = std::chrono::steady_clock;

  Worker(protocol::Endpoint& endpoint, const kernels::JobPlan& plan, kernels::Kernel& kernel,
         Clock::time_point job_start);
  ~Worker();

  // Serves until the master stops the job (returns nullopt) or aborts it, or falls silent for
  // worker_timeout (returns the exit code; the executor may still be inside a kernel, so the
  // caller must end the process). Throws Error
  // when this worker cannot go on; the executor may then be running too, so the caller reports
  // the error and ends the process without destroying the Worker.
  std::optional<int> run();

  io::WorkerRecord record() const;

  // After run() returned nullopt: sends this worker's /workers row and waits for the master to
  // say how the job ended; returns its exit code, or nothing when the master never says.
  std::optional<int> finish();

  // The master reported a lost worker: no collective can complete any more.
  bool saw_a_loss() const { return saw_a_loss_; }

  // The job ended while the executor was inside a partition (one past partition_timeout whose
  // kernel did not stop, or one whose copy came first): the process must end without destroying
  // the Worker.
  bool left_a_kernel_running() const { return executor_abandoned_; }

 private:
  void execute();  // the executor thread
  void serve();
  void record(protocol::Outcome outcome);  // under mutex_
  bool handle(const protocol::Envelope& envelope, std::optional<int>& abort_code);
  // Under mutex_. The age of waiting results is checked only after an idle pass: while the
  // loop is busy, the next request carries them anyway, and a clock read per pass is not free.
  // Results to send move from outbox_ into request_.
  scheduling::WorkerDecision decide(bool check_age);
  void wait(scheduling::Backoff::Duration pause);
  // Inline mode: runs a batch of short partitions on this thread; false if it ran none.
  bool run_inline();
  void recycle_partials();
  Bytes spare_partial();
  void begin_steal(Clock::time_point since);
  void end_steal(bool got_work, bool from_a_victim = true);
  void send_heartbeat_if_due();
  bool master_is_lost();
  int await_abort();
  std::optional<Bytes> receive_round_state(const protocol::RoundStart& start, std::optional<int>& abort_code);
  void settle_previous_round();
  void abandon_overdue_partition();
  void inject(job::InjectedError where) const;
  void stop_if_injected(job::InjectedError where);

  protocol::Endpoint& endpoint_;
  kernels::Kernel& kernel_;
  PartitionRunner runner_;
  Clock::time_point job_start_;
  std::uint32_t self_;
  std::uint32_t workers_;
  bool steals_randomly_;  // stealing = "random": the thief picks its victim
  bool master_names_victims_;  // stealing = "master": the thief's requests go on to a victim
  scheduling::WorkerRules rules_;
  scheduling::VictimSelector victims_;
  scheduling::Backoff poll_backoff_;
  scheduling::Backoff grant_wait_;
  scheduling::Backoff steal_backoff_;

  // Shared with the executor, under mutex_.
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable comm_wakeup_;
  scheduling::LocalQueue queue_;
  std::vector<protocol::Outcome> outbox_;
  double own_seconds_ = 0;  // of the partitions this worker ran, for WorkerRules::is_slow
  std::uint64_t own_partitions_ = 0;
  Clock::time_point oldest_result_;
  bool executor_busy_ = false;
  bool inline_mode_ = false;
  unsigned short_streak_ = 0;
  unsigned long_streak_ = 0;
  bool stopping_ = false;
  bool comm_signalled_ = false;
  std::string executor_error_;  // an exception outside any kernel ended the executor
  // The executor's partition (for heartbeats); with partition_timeout, since when it runs, and
  // whether this thread has given up on it (reported it failed) because its kernel did not stop
  // at the deadline.
  PartitionId running_id_ = 0;
  Clock::time_point running_since_{};
  bool running_abandoned_ = false;
  // An attempt was abandoned: this worker runs nothing more in this job (see Request::retiring).
  bool retired_ = false;

  // Only this thread. Inline batches: partitions taken, outcomes not yet recorded, and partitions
  // to put back because a long one ended the batch.
  std::vector<scheduling::LocalQueue::Item> inline_items_;
  std::vector<protocol::Outcome> inline_done_;
  std::vector<scheduling::LocalQueue::Item> inline_unrun_;
  static constexpr std::size_t max_spare_partials = 256;
  std::vector<Bytes> spare_partials_;
  protocol::Request request_;     // reused for every request sent
  protocol::GrantMessage grant_;  // reused for every grant received
  std::uint32_t round_ = 0;
  unsigned requests_outstanding_ = 1;  // the master deals a first grant unasked
  bool master_exhausted_ = false;
  bool steal_outstanding_ = false;
  bool idled_ = false;

  Clock::time_point next_steal_{};
  Clock::time_point request_sent_{};  // stealing = "master": when the last request left
  Clock::time_point steal_started_{};
  std::uint64_t steal_attempts_ = 0;
  double steal_wait_s_ = 0;
  std::uint64_t steals_sent_ = 0;
  std::uint64_t steals_received_ = 0;
  double wall_s_ = 0;
  job::FaultSpec faults_;
  scheduling::SilenceDetector master_silence_;  // one "worker": the master
  Clock::duration heartbeat_interval_;
  Clock::time_point next_heartbeat_{};
  std::uint64_t sent_since_heartbeat_ = 0;
  bool executor_abandoned_ = false;
  bool saw_a_loss_ = false;
  bool retirement_sent_ = false;
  double median_s_ = 0;  // every worker's median partition time, as the master last said
  Rank steal_victim_ = 0;
  std::uint64_t failed_steals_ = 0;  // in a row  // stealing = "random": the victim of the steal outstanding

  std::thread executor_;
};

}  // namespace kdsched::worker
