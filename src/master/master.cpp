#include "master/master.hpp"

#include "common/error.hpp"
#include "common/interrupt.hpp"
#include "common/log.hpp"
#include "kernels/cost_estimates.hpp"
#include "scheduling/backoff.hpp"
#include "worker/partition_runner.hpp"

#include <fmt/format.h>

#include <thread>

namespace kdsched::master {

Master::Master(protocol::Endpoint& endpoint, const kernels::JobPlan& plan, ResultCollector& results,
               scheduling::DealOrder order)
    : endpoint_(endpoint),
      plan_(plan),
      results_(results),
      workers_(static_cast<std::uint32_t>(endpoint.size() - 1)),
      order_(std::move(order)),
      dealer_(make_dealer()),
      names_victims_(plan.spec.schedule.stealing == job::Stealing::master),
      queues_(workers_),
      retry_(plan.spec.faults.retries),
      silence_(workers_, scheduling::SilenceDetector::Duration(plan.spec.faults.worker_timeout_s),
               scheduling::SilenceDetector::Clock::now()),
      heartbeat_interval_(std::chrono::duration_cast<scheduling::SilenceDetector::Clock::duration>(
          scheduling::heartbeat_interval(silence_.timeout()))),
      next_heartbeat_(scheduling::SilenceDetector::Clock::now() + heartbeat_interval_) {}

scheduling::Dealer Master::make_dealer() const {
  if (results_.completed() == 0) {
    return scheduling::Dealer(plan_.partitions.count(), workers_, plan_.spec.schedule.chunking,
                              plan_.spec.schedule.chunk, order_);
  }
  // A resumed round: only what the journal lacks is dealt.
  return scheduling::Dealer(plan_.partitions.count() - results_.completed(), workers_, plan_.spec.schedule.chunking,
                            plan_.spec.schedule.chunk, order_.without(results_.done()));
}

void Master::deal_round() {
  log::debug("round {}: dealing {} partitions to {} workers ({} chunking{})", results_.round(),
             plan_.partitions.count() - results_.completed(), workers_, job::to_string(plan_.spec.schedule.chunking),
             results_.previous_assignment() ? ", each where it ran before" : "");
  queues_ = scheduling::QueueEstimates(workers_);
  if (const auto previous = results_.previous_assignment()) {
    // Everything goes back where it ran; idle workers steal, since nothing is left to deal.
    dealer_ = scheduling::Dealer(0, workers_, plan_.spec.schedule.chunking, plan_.spec.schedule.chunk);
    for (const auto& grant : scheduling::affinity_grants(*previous, workers_, results_.done())) send_grant(grant.worker, grant.ranges);
    return;
  }
  dealer_ = make_dealer();
  for (const auto& grant : dealer_.initial_grants()) send_grant(grant.worker, grant.ranges);
}

void Master::begin_round() {
  log::debug("round {} begins: {} bytes of state broadcast", results_.round(), state_.size());
  retry_.new_round();
  const protocol::RoundStart start{results_.round(), state_.size()};
  for (Rank rank = 1; rank <= static_cast<Rank>(workers_); ++rank) endpoint_.send(rank, start);
  // The round's grants go out before its state: a worker takes them only after the
  // broadcast, and requests that come meanwhile meet the new round's dealer. The master keeps
  // serving while the broadcast completes: a worker lost at this point would hold it forever.
  deal_round();
  endpoint_.broadcast(state_, master_rank, [this] {
    while (const auto* envelope = endpoint_.poll()) handle(*envelope);
    keep_alive();
    return true;
  });
}

void Master::run(Bytes round_state) {
  // A resumed round already complete goes straight on to the next one, in the loop.
  if (!results_.all_done()) {
    if (results_.round() > 0) {
      state_ = std::move(round_state);
      begin_round();
    } else {
      deal_round();
    }
  }
  scheduling::Backoff backoff = scheduling::message_polling();
  // A busy or spinning loop reads the clock for the liveness check only every so many passes.
  constexpr unsigned liveness_stride = 4096;
  unsigned since_check = 0;
  while (true) {
    if (results_.all_done()) {
      if (!results_.next_round(state_)) break;
      begin_round();
      continue;
    }
    if (const auto* envelope = endpoint_.poll()) {
      handle(*envelope);
      backoff.reset();
      if (++since_check < liveness_stride) continue;
    } else if (const auto pause = backoff.next(); pause.count() > 0) {
      std::this_thread::sleep_for(pause);
    } else if (++since_check < liveness_stride) {
      continue;
    }
    since_check = 0;
    keep_alive();
  }
  log::debug("every partition has a result after {} round(s); stopping {} workers", results_.round() + 1, workers_);
  for (Rank rank = 1; rank <= static_cast<Rank>(workers_); ++rank) endpoint_.send(rank, protocol::Stop{});
  endpoint_.flush();
}

// Both directions: a worker silent past worker_timeout ends the run, and the workers, who may
// otherwise hear nothing for hours (idle while another runs the last long partition), hear the
// master at the heartbeat interval, so that they can tell a lost master from a quiet one. The
// journal's checkpoint rides on the same clock reading, and a drain is noticed here too: often
// enough (every few thousand messages, or every idle pass), and never in the middle of a merge.
void Master::keep_alive() {
  if (const int signal = interrupt::drain_requested()) throw interrupt::Interrupted(signal);
  const auto now = scheduling::SilenceDetector::Clock::now();
  results_.checkpoint(now);
  if (const auto silent = silence_.check(now)) {
    throw RuntimeError(fmt::format("rank {} sent nothing for {:g} s (worker_timeout): it is hung, stopped or lost",
                                   *silent + 1, silence_.timeout().count()));
  }
  if (now < next_heartbeat_) return;
  next_heartbeat_ = now + heartbeat_interval_;
  for (Rank rank = 1; rank <= static_cast<Rank>(workers_); ++rank) endpoint_.send(rank, protocol::Heartbeat{});
}

// No flush: a large send to the worker that caused the abort (stopped, or gone) might never
// complete, and the process is about to end anyway. Abort itself is small and leaves at once.
void Master::abort(int exit_code) {
  log::debug("aborting {} workers with exit code {}", workers_, exit_code);
  for (Rank rank = 1; rank <= static_cast<Rank>(workers_); ++rank) endpoint_.send(rank, protocol::Abort{exit_code});
}

void Master::send_grant(std::uint32_t worker, const std::vector<IndexRange>& ranges, bool pushed) {
  queues_.granted(worker, scheduling::count_of(ranges));
  grant_.ranges = ranges;
  grant_.master_exhausted = dealer_.exhausted();
  grant_.pushed = pushed;
  endpoint_.send(static_cast<Rank>(worker + 1), grant_);
}

// A failed attempt with attempts left runs again, pushed at once to the least loaded worker
// that has not failed it: whatever the chunking, nothing else would deal it again.
bool Master::retry(std::uint32_t worker, const protocol::Outcome& outcome) {
  if (results_.done()[outcome.id] || !retry_.failed(outcome.id, worker)) return false;
  const auto target = retry_.worker_for(
      outcome.id, workers_, [](std::uint32_t) { return true; }, [this](std::uint32_t w) { return queues_.queued(w); });
  log::debug("partition {} failed on rank {} (attempt {} of {}): {}; retried on rank {}", outcome.id, worker + 1,
             retry_.attempts(outcome.id, false), retry_.retries() + 1, outcome.error, *target + 1);
  send_grant(*target, {IndexRange{outcome.id, outcome.id + 1}}, true);
  return true;
}

void Master::handle(const protocol::Envelope& envelope) {
  const Rank source = envelope.source;
  const auto worker = static_cast<std::uint32_t>(source - 1);
  silence_.heard(worker);
  switch (envelope.tag) {
    case protocol::Tag::heartbeat:
      return;
    case protocol::Tag::request: {
      envelope.decode(request_);
      double busy_s = 0;
      for (auto& outcome : request_.outcomes) {
        busy_s += outcome.end_s - outcome.start_s;
        if (!outcome.ok && retry(worker, outcome)) continue;
        results_.accept(source, outcome, retry_.attempts(outcome.id, outcome.ok));
      }
      dealer_.completed(worker, request_.outcomes.size(), busy_s);
      // A request sent before its worker saw the round begin carries no results (the round ended
      // without them) and wants nothing: the round's first grant is already on its way.
      if (request_.round != results_.round()) return;
      queues_.reported(worker, request_.queued);
      if (request_.wants_work) answer(worker);
      return;
    }
    case protocol::Tag::fatal: {
      const auto fatal = envelope.as<protocol::Fatal>();
      throw Error(static_cast<ExitCode>(fatal.exit_code), fmt::format("rank {}: {}", source, fatal.message));
    }
    default:
      throw RuntimeError(fmt::format("unexpected message (tag {}) from rank {}", static_cast<int>(envelope.tag), source));
  }
}

// A grant, or once the dealer has run dry and the master names victims, a steal from the worker
// the master believes holds the most: the victim answers the thief directly.
void Master::answer(std::uint32_t worker) {
  next_ranges_.clear();
  if (dealer_.next_grant(worker, next_ranges_) == 0 && names_victims_) {
    if (const auto victim = queues_.victim_for(worker)) {
      endpoint_.send(static_cast<Rank>(*victim + 1), protocol::StealRequest{results_.round(), static_cast<Rank>(worker + 1)});
      return;
    }
  }
  send_grant(worker, next_ranges_);
}

scheduling::DealOrder deal_order(const kernels::JobPlan& plan, const kernels::Kernel& kernel) {
  if (plan.spec.schedule.order != job::Order::lpt) return {};
  return scheduling::DealOrder::longest_first(kernels::estimate_costs(plan, kernel));
}

io::WorkerRecord run_alone(const kernels::JobPlan& plan, kernels::Kernel& kernel, ResultCollector& results,
                           std::chrono::steady_clock::time_point job_start) {
  worker::PartitionRunner runner(plan, kernel, job_start);
  Bytes state;
  do {
    for (PartitionId id = 0; id < plan.partitions.count(); ++id) {
      if (results.done()[id]) continue;  // journaled before a resume
      // Alone, a retry can only run here, at once.
      std::uint16_t attempts = 0;
      protocol::Outcome outcome;
      do {
        if (const int signal = interrupt::drain_requested()) throw interrupt::Interrupted(signal);
        outcome = runner.run(id, false);
        ++attempts;
      } while (!outcome.ok && attempts <= plan.spec.faults.retries);
      // The runner has just read the clock: its end time saves a reading per partition.
      const auto ended = job_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                         std::chrono::duration<double>(outcome.end_s));
      results.accept(master_rank, outcome, attempts);
      results.checkpoint(ended);
    }
  } while (results.next_round(state));
  io::WorkerRecord record;
  record.cache_hits = runner.cache_hits();
  record.partitions = runner.partitions();
  record.busy_s = runner.busy_seconds();
  record.bytes_read = runner.bytes_read();
  return record;
}

}  // namespace kdsched::master
