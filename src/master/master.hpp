#pragma once

#include "kernels/job_plan.hpp"
#include "master/result_collector.hpp"
#include "protocol/endpoint.hpp"
#include "scheduling/dealer.hpp"
#include "scheduling/queue_estimates.hpp"
#include "scheduling/retry_rule.hpp"
#include "scheduling/silence_detector.hpp"

namespace kdsched::master {

// Rank 0 when there are workers: deals grants on request, merges results, and stops everyone
// once every partition has a result. It waits by polling with backoff, so an idle master costs
// a fraction of a percent of a core.
class Master {
 public:
  // `order` is the deal order of every round (see deal_order()).
  Master(protocol::Endpoint& endpoint, const kernels::JobPlan& plan, ResultCollector& results,
         scheduling::DealOrder order);

  // Returns when every partition is complete and every worker told to stop. Throws Error when
  // a worker reports a fatal error, falls silent for the job's worker_timeout, or the protocol
  // is violated. A collector resumed from a journal (ResultCollector::replay) continues where
  // it stands: `round_state` is then the state of its round, and only the partitions without a
  // result are dealt.
  void run(Bytes round_state = {});

  // Tells every worker to exit with `exit_code`.
  void abort(int exit_code);

  std::uint64_t messages_sent() const { return endpoint_.messages_sent(); }

 private:
  scheduling::Dealer make_dealer() const;
  void deal_round();
  void begin_round();
  void handle(const protocol::Envelope& envelope);
  void send_grant(std::uint32_t worker, const std::vector<IndexRange>& ranges, bool pushed = false);
  bool retry(std::uint32_t worker, const protocol::Outcome& outcome);
  void answer(std::uint32_t worker);
  void keep_alive();

  protocol::Endpoint& endpoint_;
  const kernels::JobPlan& plan_;
  ResultCollector& results_;
  std::uint32_t workers_;
  scheduling::DealOrder order_;
  scheduling::Dealer dealer_;
  bool names_victims_;  // stealing = "master"
  scheduling::QueueEstimates queues_;
  scheduling::RetryRule retry_;
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
