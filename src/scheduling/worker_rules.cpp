#include "scheduling/worker_rules.hpp"

namespace kdsched::scheduling {

WorkerDecision WorkerRules::decide(const WorkerState& s) const {
  WorkerDecision d;
  // Streams of short partitions keep one more in hand and two requests on the way, so the next
  // grants are already coming when the current one ends and neither side waits for a round trip.
  const std::uint64_t low_water = s.streaming ? 1 : 0;
  const unsigned max_requests = s.streaming && !s.master_exhausted ? 2 : 1;
  // Once the master has run dry, an empty queue means stealing: through the master, which names
  // the victim, or directly from a random one; either way not before the backoff allows.
  // Each such try also asks the master, which may have a copy to run (of a partition that runs
  // far too long, or that a lost worker held) when nothing is left to steal.
  const bool try_now = out_of_work(s) && s.steal_due;
  d.steal = steals_randomly_ && try_now && s.has_victims && !s.slow;
  // A random thief asks the master only once a steal has failed: queued work is better stolen
  // than copied.
  const bool asks_master = master_names_victims_ || !d.steal || s.failed_steals > 0;
  d.request_work = s.requests_outstanding < max_requests && s.queued <= low_water &&
                   (!s.master_exhausted || (try_now && asks_master));
  const bool idle = s.queued == 0 && !s.busy;
  d.starved = idle && s.requests_outstanding > 0;
  // While a request is outstanding its answer will soon carry the results back with the next
  // request, so one message per grant suffices.
  d.send_results = s.results_waiting > 0 && (d.request_work || (idle && s.requests_outstanding == 0) ||
                                             s.results_waiting >= batching_.max_batch || s.results_overdue);
  return d;
}

}  // namespace kdsched::scheduling
