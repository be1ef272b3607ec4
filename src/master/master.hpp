#pragma once

#include "common/process_identity.hpp"
#include "kernels/job_plan.hpp"

#include <functional>

#include "io/records.hpp"
#include "master/result_collector.hpp"
#include "protocol/endpoint.hpp"
#include "scheduling/backup_rule.hpp"
#include "scheduling/dealer.hpp"
#include "scheduling/queue_estimates.hpp"
#include "scheduling/retry_rule.hpp"
#include "scheduling/silence_detector.hpp"

namespace kdsched::master {

// A worker's Fatal, raised on the master with the worker's exit code: the job or its input may
// be fine (one node could not read a file that the others can), so the journal is kept.
class WorkerFatal : public Error {
 public:
  using Error::Error;
};

// Rank 0 when there are workers: deals grants on request, merges results, and stops everyone
// once every partition has a result. It waits by polling with backoff, so an idle master costs
// a fraction of a percent of a core.
class Master {
 public:
  // `order` is the deal order of every round (see deal_order()).
  Master(protocol::Endpoint& endpoint, const kernels::JobPlan& plan, ResultCollector& results,
         scheduling::DealOrder order);

  // Returns when every partition is complete and every worker told to stop. A worker silent for
  // the job's worker_timeout is lost: what it was granted is dealt again, and the job goes on
  // without it. Throws Error when a worker reports a fatal error, every worker is lost, or the
  // protocol is violated. A collector resumed from a journal (ResultCollector::replay) continues where
  // it stands: `round_state` is then the state of its round, and only the partitions without a
  // result are dealt.
  void run(Bytes round_state = {});

  // Tells every worker to exit with `exit_code`.
  void abort(int exit_code);

  // After run(): every live worker's /workers row (lost ones marked); then finish() tells them the
  // job's exit code and waits for each to acknowledge it (or to be lost). Point to point, not
  // a gather: no collective completes once a rank is lost.
  std::vector<io::WorkerRecord> collect_records();
  void finish(int exit_code);

  // After finish(): ranks that can run no further job of the batch, lost or leaving (see
  // protocol::Finished); empty when the batch may go on.
  std::vector<Rank> unable_to_go_on() const;
  // After finish(): which ranks are lost (index: rank), for the next job's announcement.
  std::vector<bool> lost_ranks() const;

  std::uint64_t messages_sent() const { return endpoint_.messages_sent(); }
  std::uint32_t lost_workers() const { return lost_count_; }
  // Who and where each worker is, as it said (protocol::Hello): carried from one job of a batch
  // to the next, since a worker stopped between them never says it again, and must still be
  // killed when found silent.
  const std::vector<protocol::Hello>& identities() const { return hellos_; }
  void know(std::vector<protocol::Hello> identities) { hellos_ = std::move(identities); }
  // The live workers on this host (pid and start), as they said.
  std::vector<ProcessStat> local_workers() const;
  std::uint64_t backups() const { return backups_.backups(); }

 private:
  scheduling::Dealer make_dealer() const;
  void deal_round();
  void begin_round();
  void handle(const protocol::Envelope& envelope);
  // `pushed`: sent unasked; `pinned`: never stolen from the worker (a retry, sent where it has
  // not failed); `as_if_dry`: says the master has run dry (to a slow worker it withholds from).
  void send_grant(std::uint32_t worker, const std::vector<IndexRange>& ranges, bool pushed = false, bool pinned = false,
                  bool as_if_dry = false);
  bool retry(std::uint32_t worker, const protocol::Outcome& outcome);
  void lose(std::uint32_t worker, const std::string& why);
  [[noreturn]] static void raise_fatal(const protocol::Envelope& envelope);
  // Waits until every live worker has sent a message with `tag`, handing each to `take`.
  void await_each_live(protocol::Tag tag, const std::string& silent_means,
                       const std::function<void(std::uint32_t, const protocol::Envelope&)>& take);
  void suspect(std::uint32_t worker, const std::vector<IndexRange>& held);
  void deal_again(const std::vector<IndexRange>& held);
  void retire(std::uint32_t worker);
  std::uint32_t usable_fast_workers(std::uint32_t worker);
  template <typename Message>
  void send_to_live(const Message& message);
  void answer(std::uint32_t worker);
  void keep_alive();
  void settle_sends();

  protocol::Endpoint& endpoint_;
  const kernels::JobPlan& plan_;
  scheduling::SilenceDetector::Clock::time_point started_;
  ResultCollector& results_;
  std::uint32_t workers_;
  scheduling::DealOrder order_;
  scheduling::Dealer dealer_;
  bool names_victims_;  // stealing = "master"
  scheduling::QueueEstimates queues_;
  scheduling::RetryRule retry_;
  scheduling::BackupRule backups_;
  std::vector<bool> lost_;
  std::uint32_t lost_count_ = 0;
  std::vector<bool> retired_;  // see protocol::Request::retiring
  bool usable(std::uint32_t worker) const { return !lost_[worker] && !retired_[worker]; }
  std::vector<protocol::Hello> hellos_;  // who and where each worker is, as it said
  std::vector<bool> told_to_leave_;
  std::vector<bool> leaving_;  // said so in its acknowledgement of Finished
  std::vector<std::optional<PartitionId>> running_;  // per worker, as its last heartbeat said
  // stealing = "master": per thief, the rank its last request went on to as a steal (0: none).
  std::vector<Rank> steal_victim_;
  double coarse_now_s_ = 0;  // seconds since the start, as of the last liveness check
  const Bytes* broadcast_state_ = nullptr;  // the state of this round, when it went by broadcast
  scheduling::SilenceDetector silence_;
  scheduling::SilenceDetector::Clock::duration heartbeat_interval_;
  scheduling::SilenceDetector::Clock::time_point next_heartbeat_;
  protocol::Request request_;     // reused for every request received
  protocol::GrantMessage grant_;  // reused for every grant sent
  std::vector<IndexRange> next_ranges_;
  // A member, not a local of run(): an abandoned broadcast leaves it in MPI's hands until the
  // process ends, and an error unwinding run() must not free it.
  Bytes state_;
};

// The order in which the job's partitions are dealt: by id, or with order = "lpt" longest
// estimated cost first. Throws as kernels::estimate_costs does for an unusable costs_from.
scheduling::DealOrder deal_order(const kernels::JobPlan& plan, const kernels::Kernel& kernel);

// Rank 0 alone: runs every partition itself, in order. Returns its /workers row (less rank and host).
io::WorkerRecord run_alone(const kernels::JobPlan& plan, kernels::Kernel& kernel, ResultCollector& results,
               std::chrono::steady_clock::time_point job_start);

}  // namespace kdsched::master
