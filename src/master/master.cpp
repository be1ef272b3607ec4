#include "master/master.hpp"

#include "common/error.hpp"
#include "common/interrupt.hpp"
#include "common/log.hpp"
#include "common/process_identity.hpp"
#include "kernels/cost_estimates.hpp"
#include "protocol/worker_record.hpp"
#include "scheduling/backoff.hpp"
#include "worker/partition_runner.hpp"

#include <boost/mpi/environment.hpp>
#include <fmt/format.h>

#include <thread>

namespace kdsched::master {

Master::Master(protocol::Endpoint& endpoint, const kernels::JobPlan& plan, ResultCollector& results,
               scheduling::DealOrder order)
    : endpoint_(endpoint),
      plan_(plan),
      started_(scheduling::SilenceDetector::Clock::now()),
      results_(results),
      workers_(static_cast<std::uint32_t>(endpoint.size() - 1)),
      order_(std::move(order)),
      dealer_(make_dealer()),
      names_victims_(plan.spec.schedule.stealing == job::Stealing::master),
      queues_(workers_),
      retry_(plan.spec.faults.retries),
      backups_(workers_, plan.spec.faults.speculate),
      lost_(workers_, false),
      retired_(workers_, false),
      hellos_(workers_),
      told_to_leave_(workers_, false),
      leaving_(workers_, false),
      running_(workers_),
      steal_victim_(workers_, 0),
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
  log::debug("round {} begins: {} bytes of state {}", results_.round(), state_.size(),
             lost_count_ == 0 ? "broadcast" : "sent to each worker (a worker is lost: no collective can complete)");
  retry_.new_round();
  backups_.new_round();
  const protocol::RoundStart start{results_.round(), state_.size(), lost_count_ > 0};
  send_to_live(start);
  broadcast_state_ = start.direct ? nullptr : &state_;
  // The round's grants go out before its state: a worker takes them only after the state, and
  // requests that come meanwhile meet the new round's dealer. The master keeps serving while the
  // broadcast completes: a worker lost at this point would hold it forever, so a loss abandons
  // it, and the survivors get the state directly.
  deal_round();
  if (!start.direct) {
    const bool completed = endpoint_.broadcast(state_, master_rank, [this] {
      while (const auto* envelope = endpoint_.poll()) handle(*envelope);
      keep_alive();
      return lost_count_ == 0;
    });
    if (completed) return;
    // MPI keeps the buffer of an abandoned broadcast until the process ends: the block itself
    // moves to the list, and the next round's state gets a block of its own. The loss that ended
    // the broadcast has sent every survivor the state already (see lose()).
    broadcast_state_ = &protocol::Endpoint::keep_until_exit(std::move(state_));
    return;
  }
  send_to_live(protocol::RoundState{results_.round(), state_});
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
  log::debug("every partition has a result after {} round(s); stopping {} workers", results_.round() + 1,
             workers_ - lost_count_);
  send_to_live(protocol::Stop{});
  settle_sends();
}

// A send to a lost worker may never complete.
void Master::settle_sends() {
  if (lost_count_ == 0) {
    endpoint_.flush();
  } else {
    endpoint_.abandon_sends();
  }
}

template <typename Message>
void Master::send_to_live(const Message& message) {
  for (std::uint32_t worker = 0; worker < workers_; ++worker) {
    if (!lost_[worker]) endpoint_.send(static_cast<Rank>(worker + 1), message);
  }
}

// Once a worker has sent the message awaited it waits quietly, so its silence no longer counts;
// one silent for worker_timeout before is lost. Other messages are late ones (a heartbeat, a
// result that lost its race with a copy) and are dropped.
void Master::await_each_live(protocol::Tag tag, const std::string& silent_means,
                             const std::function<void(std::uint32_t, const protocol::Envelope&)>& take) {
  std::vector<bool> arrived(workers_, false);
  const auto waiting = [&] {
    for (std::uint32_t w = 0; w < workers_; ++w) {
      if (!lost_[w] && !arrived[w]) return true;
    }
    return false;
  };
  scheduling::Backoff backoff = scheduling::message_polling();
  while (waiting()) {
    if (const auto* envelope = endpoint_.poll()) {
      const auto worker = static_cast<std::uint32_t>(envelope->source - 1);
      if (envelope->tag == protocol::Tag::fatal && !lost_[worker]) raise_fatal(*envelope);
      if (envelope->tag == tag && !lost_[worker] && !arrived[worker]) {
        arrived[worker] = true;
        silence_.forget(worker);
        take(worker, *envelope);
      } else {
        silence_.heard(worker);
      }
      backoff.reset();
      continue;
    }
    if (const auto pause = backoff.next(); pause.count() > 0) std::this_thread::sleep_for(pause);
    if (const int signal = interrupt::drain_requested()) throw interrupt::Interrupted(signal);
    const auto now = scheduling::SilenceDetector::Clock::now();
    if (const auto silent = silence_.check(now)) lose(*silent, silent_means);
    if (now >= next_heartbeat_) {
      next_heartbeat_ = now + heartbeat_interval_;
      send_to_live(protocol::Heartbeat{false, 0, backups_.median_seconds()});
    }
  }
}

std::vector<io::WorkerRecord> Master::collect_records() {
  std::vector<io::WorkerRecord> records(workers_);
  await_each_live(protocol::Tag::worker_record,
                  fmt::format("sent nothing for {:g} s (worker_timeout) after the last partition",
                              silence_.timeout().count()),
                  [&](std::uint32_t worker, const protocol::Envelope& envelope) {
                    records[worker] = envelope.as<protocol::WorkerReport>().record;
                  });
  for (std::uint32_t w = 0; w < workers_; ++w) {
    if (!lost_[w]) continue;
    records[w] = io::WorkerRecord{};
    records[w].rank = static_cast<std::int32_t>(w + 1);
    records[w].hostname = hellos_[w].host;
    records[w].lost = 1;
  }
  return records;
}

std::vector<ProcessStat> Master::local_workers() const {
  std::vector<ProcessStat> found;
  for (std::uint32_t w = 0; w < workers_; ++w) {
    const protocol::Hello& hello = hellos_[w];
    if (lost_[w] || hello.pid <= 0 || hello.host != boost::mpi::environment::processor_name()) continue;
    found.push_back(ProcessStat{'?', hello.start_ticks, static_cast<pid_t>(hello.pid)});
  }
  return found;
}

// Waits for every live worker to acknowledge, so that a worker stopped at the very end (after
// its /workers row) is still found silent and killed: the launcher would wait for it forever.
void Master::finish(int exit_code) {
  const auto sent = scheduling::SilenceDetector::Clock::now();
  for (std::uint32_t w = 0; w < workers_; ++w) {
    if (!lost_[w]) silence_.watch(w, sent);
  }
  send_to_live(protocol::Finished{exit_code});
  try {
    await_each_live(protocol::Tag::finished,
                    fmt::format("did not acknowledge the end of the job within {:g} s (worker_timeout)",
                                silence_.timeout().count()),
                    [this](std::uint32_t worker, const protocol::Envelope& envelope) {
                      leaving_[worker] = envelope.as<protocol::Finished>().leaving;
                    });
  } catch (const std::exception& error) {
    log::warn("{}", error.what());  // every worker lost at the very end: the result is written
  }
  settle_sends();
}

std::vector<Rank> Master::unable_to_go_on() const {
  std::vector<Rank> ranks;
  for (std::uint32_t w = 0; w < workers_; ++w) {
    if (lost_[w] || leaving_[w]) ranks.push_back(static_cast<Rank>(w + 1));
  }
  return ranks;
}

std::vector<bool> Master::lost_ranks() const {
  std::vector<bool> lost{false};
  lost.insert(lost.end(), lost_.begin(), lost_.end());
  return lost;
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
  coarse_now_s_ = std::chrono::duration<double>(now - started_).count();
  if (const auto silent = silence_.check(now)) {
    lose(*silent, fmt::format("sent nothing for {:g} s (worker_timeout): it is dead, hung or stopped",
                              silence_.timeout().count()));
  }
  if (now < next_heartbeat_) return;
  next_heartbeat_ = now + heartbeat_interval_;
  send_to_live(protocol::Heartbeat{false, 0, backups_.median_seconds()});
}

// The job goes on without the worker: what the master granted it and has no result is dealt
// again at once; what it had stolen from others is copied by idle workers later (BackupRule).
// A process on this host is killed, so that a stopped one does not keep the launcher waiting
// for it; one elsewhere is abandoned (it exits by itself if it ever runs again and hears no one).
void Master::lose(std::uint32_t worker, const std::string& why) {
  if (lost_[worker]) return;
  lost_[worker] = true;
  ++lost_count_;
  silence_.forget(worker);
  log::warn("rank {} {}; it is lost, and its partitions are dealt to the others", worker + 1, why);
  if (lost_count_ == workers_) throw RuntimeError(fmt::format("every worker is lost (the last: rank {} {})", worker + 1, why));
  const protocol::Hello& hello = hellos_[worker];
  if (hello.pid > 0 && hello.host == boost::mpi::environment::processor_name()) {
    kill_if_same(static_cast<pid_t>(hello.pid), hello.start_ticks);
  }
  queues_.reported(worker, 0);
  send_to_live(protocol::Lost{static_cast<Rank>(worker + 1)});
  // The round's broadcast may never reach the workers below the lost one in its tree, even when
  // it has completed here: each survivor gets the state directly too (one that has it already
  // drops the copy).
  if (broadcast_state_ != nullptr) send_to_live(protocol::RoundState{results_.round(), *broadcast_state_});
  // A thief whose request went on to this worker as a steal would wait for its reply forever:
  // the master answers for it, with nothing.
  for (std::uint32_t thief = 0; thief < workers_; ++thief) {
    if (steal_victim_[thief] != static_cast<Rank>(worker + 1) || lost_[thief]) continue;
    steal_victim_[thief] = 0;
    next_ranges_.clear();
    send_grant(thief, next_ranges_);
  }
  const std::vector<IndexRange> orphans = backups_.orphans_of(worker, results_.done());
  suspect(worker, orphans);
  deal_again(orphans);
}

// Which of the lost worker's partitions it was running is known only from its heartbeats (a
// partition that kills its worker at once leaves none), so the suspect is, among what it held
// without a result, the one running on most earlier losses, then the one its last heartbeat
// named, then the first in grant order (workers run their queue front to back, and report
// results before they start their last queued partition). A partition that was running on
// retries + 1 lost workers is a poison partition: it fails, rather than take down worker after
// worker.
void Master::suspect(std::uint32_t worker, const std::vector<IndexRange>& held) {
  std::optional<PartitionId> id;
  const auto rank_of = [&](PartitionId p) {
    return std::pair{retry_.losses(p), running_[worker] == p};
  };
  for (const auto& range : held) {
    for (PartitionId p = range.begin; p < range.end; ++p) {
      if (!id || rank_of(p) > rank_of(*id)) id = p;
    }
  }
  if (!id || retry_.lost_with(*id)) return;
  protocol::Outcome outcome;
  outcome.id = *id;
  outcome.ok = false;
  outcome.error = fmt::format("running on each of {} workers that were lost: a poison partition, not run again",
                              retry_.losses(*id));
  outcome.start_s = outcome.end_s = coarse_now_s_;
  log::warn("partition {}: {}", *id, outcome.error);
  results_.accept(static_cast<Rank>(worker + 1), outcome, retry_.attempts(*id, false));
}

// The worker's executor is inside a kernel that did not stop at its deadline: it stays in the
// job (it still answers, and takes part in the round broadcasts and the end), but what it was
// granted is dealt again, and it is granted nothing more.
// Workers other than `worker` that can run partitions and are not slow.
std::uint32_t Master::usable_fast_workers(std::uint32_t worker) {
  std::uint32_t count = 0;
  for (std::uint32_t w = 0; w < workers_; ++w) count += w != worker && usable(w) && !backups_.slow(w, coarse_now_s_) ? 1 : 0;
  return count;
}

void Master::retire(std::uint32_t worker) {
  if (retired_[worker]) return;
  retired_[worker] = true;
  log::warn("rank {} runs nothing more in this job: its kernel did not stop at partition_timeout", worker + 1);
  queues_.reported(worker, 0);
  deal_again(backups_.orphans_of(worker, results_.done()));
}

// Spread over the live workers, least loaded first, in consecutive pieces.
void Master::deal_again(const std::vector<IndexRange>& held) {
  // What has a result meanwhile (a poison partition, just failed) is not dealt again.
  std::vector<IndexRange> orphans;
  for (const auto& range : held) {
    for (PartitionId id = range.begin; id < range.end; ++id) {
      if (!results_.done()[id]) scheduling::append_id(orphans, id);
    }
  }
  const std::uint64_t left = scheduling::count_of(orphans);
  if (left == 0) return;
  std::uint32_t usable_count = 0;
  for (std::uint32_t w = 0; w < workers_; ++w) usable_count += usable(w) ? 1 : 0;
  if (usable_count == 0) {
    throw RuntimeError(fmt::format("no worker is left that can run partitions ({} lost, the others with a kernel "
                                   "that did not stop at partition_timeout)",
                                   lost_count_));
  }
  log::debug("dealing {} partitions of a lost worker again", left);
  for (const auto& piece : scheduling::split_into_shares(orphans, usable_count)) {
    std::optional<std::uint32_t> target;
    for (std::uint32_t w = 0; w < workers_; ++w) {
      if (usable(w) && (!target || queues_.queued(w) < queues_.queued(*target))) target = w;
    }
    send_grant(*target, piece, true);
  }
}

// No flush: a large send to the worker that caused the abort (stopped, or gone) might never
// complete, and the process is about to end anyway. Abort itself is small and leaves at once.
void Master::abort(int exit_code) {
  log::debug("aborting {} workers with exit code {}", workers_ - lost_count_, exit_code);
  send_to_live(protocol::Abort{exit_code});
}

void Master::raise_fatal(const protocol::Envelope& envelope) {
  const auto fatal = envelope.as<protocol::Fatal>();
  throw WorkerFatal(static_cast<ExitCode>(fatal.exit_code), fmt::format("rank {}: {}", envelope.source, fatal.message));
}

void Master::send_grant(std::uint32_t worker, const std::vector<IndexRange>& ranges, bool pushed, bool pinned,
                        bool as_if_dry) {
  // A deal made by rule (static, cyclic, affinity) may name a lost or retired worker: the others
  // take it.
  if (!usable(worker)) return deal_again(ranges);
  std::uint64_t ahead = queues_.queued(worker);
  for (const auto& range : ranges) {
    backups_.granted(worker, range, ahead, coarse_now_s_, results_.done());
    ahead += range.size();
  }
  queues_.granted(worker, scheduling::count_of(ranges));
  grant_.ranges = ranges;
  grant_.master_exhausted = dealer_.exhausted() || as_if_dry;
  grant_.pushed = pushed;
  grant_.pinned = pinned;
  endpoint_.send(static_cast<Rank>(worker + 1), grant_);
}

// A failed attempt with attempts left runs again, pushed at once to the least loaded worker
// that has not failed it: whatever the chunking, nothing else would deal it again.
bool Master::retry(std::uint32_t worker, const protocol::Outcome& outcome) {
  if (results_.done()[outcome.id] || !retry_.failed(outcome.id, worker)) return false;
  const auto target = retry_.worker_for(
      outcome.id, workers_, [this](std::uint32_t w) { return usable(w); },
      [this](std::uint32_t w) { return queues_.queued(w); });
  if (!target) return false;  // no worker left that may run it: the failure stands
  log::debug("partition {} failed on rank {} (attempt {} of {}): {}; retried on rank {}", outcome.id, worker + 1,
             retry_.attempts(outcome.id, false), retry_.retries() + 1, outcome.error, *target + 1);
  send_grant(*target, {IndexRange{outcome.id, outcome.id + 1}}, true, true);
  return true;
}

void Master::handle(const protocol::Envelope& envelope) {
  const Rank source = envelope.source;
  const auto worker = static_cast<std::uint32_t>(source - 1);
  if (lost_[worker]) {
    // It was only slow, or stopped and continued elsewhere: the job has gone on without it, and
    // it leaves quietly. Its results are still good (a copy's, if any, came first).
    if (envelope.tag == protocol::Tag::request) {
      envelope.decode(request_);
      if (request_.round != results_.round()) request_.outcomes.clear();
      for (auto& outcome : request_.outcomes) {
        if (outcome.ok) results_.accept(source, outcome, retry_.attempts(outcome.id, true));
      }
    }
    if (!told_to_leave_[worker]) endpoint_.send(source, protocol::Abort{0});
    told_to_leave_[worker] = true;
    return;
  }
  silence_.heard(worker);
  switch (envelope.tag) {
    case protocol::Tag::heartbeat: {
      const auto beat = envelope.as<protocol::Heartbeat>();
      running_[worker] = beat.busy ? std::optional<PartitionId>(beat.running) : std::nullopt;
      return;
    }
    case protocol::Tag::hello:
      hellos_[worker] = envelope.as<protocol::Hello>();
      return;
    case protocol::Tag::request: {
      envelope.decode(request_);
      // A request sent before its worker saw the round begin wants nothing (the round's first
      // grant is already on its way), and its results are of the round that ended: copies of
      // partitions done elsewhere (speculation, a loss), since that round ended without them.
      if (request_.round != results_.round()) return;
      double busy_s = 0;
      for (auto& outcome : request_.outcomes) {
        const double seconds = outcome.end_s - outcome.start_s;
        busy_s += seconds;
        if (outcome.ok) backups_.finished(worker, seconds);
        if (!outcome.ok && retry(worker, outcome)) continue;
        results_.accept(source, outcome, retry_.attempts(outcome.id, outcome.ok));
      }
      dealer_.completed(worker, request_.outcomes.size(), busy_s);
      queues_.reported(worker, request_.queued);
      if (request_.retiring) return retire(worker);
      // A thief asks again only once its steal has been answered.
      if (request_.wants_work) steal_victim_[worker] = 0;
      if (request_.wants_work) answer(worker);
      return;
    }
    case protocol::Tag::fatal:
      raise_fatal(envelope);
    default:
      throw RuntimeError(fmt::format("unexpected message (tag {}) from rank {}", static_cast<int>(envelope.tag), source));
  }
}

// A grant, or once the dealer has run dry and the master names victims, a steal from the worker
// the master believes holds the most: the victim answers the thief directly.
void Master::answer(std::uint32_t worker) {
  next_ranges_.clear();
  if (!dealer_.exhausted() && backups_.slow(worker, coarse_now_s_) &&
      backups_.withhold(worker, coarse_now_s_, dealer_.remaining(), usable_fast_workers(worker))) {
    // As if the master had run dry: the worker asks again no more often than a thief would.
    return send_grant(worker, next_ranges_, false, false, true);
  }
  if (dealer_.next_grant(worker, next_ranges_) == 0) {
    if (names_victims_ && !backups_.slow(worker, coarse_now_s_)) {
      if (const auto victim = queues_.victim_for(worker)) {
        endpoint_.send(static_cast<Rank>(*victim + 1), protocol::StealRequest{results_.round(), static_cast<Rank>(worker + 1)});
        steal_victim_[worker] = static_cast<Rank>(*victim + 1);
        return;
      }
    }
    // Nothing to deal and nothing to steal: an idle worker may run a copy (one still busy would
    // start it late: it asks again once idle).
    if (request_.idle) next_ranges_ = backups_.backup_for(results_.done(), coarse_now_s_);
    if (!next_ranges_.empty()) {
      log::debug("rank {} runs a {} of partition {}", worker + 1, lost_count_ > 0 ? "copy (a worker is lost)" : "backup",
                 next_ranges_.front().begin);
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
