#include "simulation/simulator.hpp"

#include "scheduling/backoff.hpp"
#include "scheduling/backup_rule.hpp"
#include "scheduling/dealer.hpp"
#include "scheduling/local_queue.hpp"
#include "scheduling/queue_estimates.hpp"
#include "scheduling/result_batching.hpp"
#include "scheduling/silence_detector.hpp"
#include "scheduling/victim_selector.hpp"
#include "scheduling/worker_rules.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <optional>
#include <queue>

namespace kdsched::simulation {
namespace {

using scheduling::Backoff;

Backoff::Clock::time_point clock_at(double seconds) {
  return Backoff::Clock::time_point(
      std::chrono::duration_cast<Backoff::Clock::duration>(std::chrono::duration<double>(seconds)));
}

double seconds_of(Backoff::Duration duration) { return std::chrono::duration<double>(duration).count(); }

enum class Kind : std::uint8_t {
  grant,          // master -> worker: ranges
  request,        // worker -> master: results, maybe a wish for work
  steal_request,  // -> victim, from the thief or the master on its behalf
  steal_reply,    // victim -> thief: ranges
  partition_end,  // a worker finished its partition
  results_due,    // a worker's oldest waiting result reached the batching delay
  steal_retry,    // a worker's steal backoff ended
  fault,          // a worker dies or stops (config.faults[count])
  liveness,       // the master looks for silent workers
  heartbeat,      // the master tells every worker the median partition time
};

struct Event {
  double time = 0;
  std::uint64_t seq = 0;  // ties in time keep the order of scheduling: the run is deterministic
  Kind kind = Kind::grant;
  std::uint32_t worker = 0;  // the worker it happens to (for a request: the sender)
  std::uint32_t thief = 0;   // steal_request
  std::uint64_t count = 0;   // results_due, partition_end: generation; fault: index
  bool flag = false;         // grant: the master has run dry; request: wants work
  bool pushed = false;       // grant: unasked (work of a lost worker); request: the sender is idle
  std::uint32_t payload = 0;  // grant, steal_reply, request: index of the ranges or results
  std::uint64_t queued = 0;   // request: the sender's queue length

  bool operator>(const Event& other) const { return time != other.time ? time > other.time : seq > other.seq; }
};

struct Result {
  PartitionId id = 0;
  double start_s = 0;
  double end_s = 0;
};

// Payloads of events in flight, by index, their slots reused.
template <typename T>
class Pool {
 public:
  std::uint32_t keep(std::vector<T> items) {
    if (free_.empty()) {
      slots_.push_back(std::move(items));
      return static_cast<std::uint32_t>(slots_.size() - 1);
    }
    const std::uint32_t index = free_.back();
    free_.pop_back();
    slots_[index] = std::move(items);
    return index;
  }
  std::vector<T> take(std::uint32_t index) {
    free_.push_back(index);
    return std::move(slots_[index]);
  }

 private:
  std::vector<std::vector<T>> slots_;
  std::vector<std::uint32_t> free_;
};

struct Worker {
  explicit Worker(scheduling::VictimSelector selector) : victims(std::move(selector)) {}

  scheduling::LocalQueue queue;
  scheduling::VictimSelector victims;
  Backoff steal_backoff = scheduling::steal_retries();
  double slowdown = 1;
  bool alive = true;
  double frozen_since = 0;  // stopped since then,
  double frozen_until = 0;  // until then
  bool busy = false;
  Result running;
  std::uint64_t run_generation = 0;  // of its partition_end events: a stop moves the end
  unsigned requests_outstanding = 1;  // the master deals a first grant unasked
  bool master_exhausted = false;
  bool steal_outstanding = false;
  std::uint32_t steal_victim = 0;
  std::uint64_t failed_steals = 0;
  bool retry_pending = false;
  double next_steal = 0;
  std::vector<Result> outbox;  // finished partitions not yet reported
  double own_seconds = 0;      // of the partitions it ran, for WorkerRules::is_slow
  std::uint64_t own_partitions = 0;
  double median_s = 0;  // as the master last said
  std::uint64_t batch = 0;     // generation of the outbox, to recognise stale results_due events
};

class Simulation {
 public:
  Simulation(const SimulationConfig& config, const std::vector<double>& costs, const std::vector<double>& estimates)
      : config_(config),
        costs_(costs),
        workers_(std::max<std::uint32_t>(1, config.workers)),
        dealer_(costs.size(), workers_, config.chunking, config.chunk,
                config.order == job::Order::lpt
                    ? scheduling::DealOrder::longest_first(estimates.empty() ? costs : estimates)
                    : scheduling::DealOrder{}),
        queues_(workers_),
        rules_(config.stealing == job::Stealing::random, config.stealing == job::Stealing::master,
               scheduling::ResultBatching::for_workers(workers_)),
        backups_(workers_, config.speculate),
        silence_(workers_, scheduling::SilenceDetector::Duration(config.worker_timeout_s), clock_at(0)),
        done_(costs.size(), false),
        attempts_(costs.size(), 0),
        lost_(workers_, false),
        forwarded_(workers_, 0) {
    crew_.reserve(workers_);
    for (std::uint32_t w = 0; w < workers_; ++w) {
      crew_.emplace_back(scheduling::VictimSelector(w, workers_, config.seed));
      if (w < config.slowdown.size()) crew_.back().slowdown = config.slowdown[w];
    }
  }

  SimulationResult run() {
    for (std::uint64_t i = 0; i < config_.faults.size(); ++i) {
      const WorkerFault& fault = config_.faults[i];
      if (fault.worker < workers_) push(Event{fault.at_s, 0, Kind::fault, fault.worker, 0, i});
    }
    if (!config_.faults.empty()) push(Event{liveness_interval(), 0, Kind::liveness});
    push(Event{heartbeat_interval(), 0, Kind::heartbeat});
    for (auto& grant : dealer_.initial_grants()) send_grant(0, grant.worker, std::move(grant.ranges));
    const double horizon = this->horizon();
    while (received_ < costs_.size() && !events_.empty()) {
      const Event event = events_.top();
      events_.pop();
      // Workers that can get no more work still ask now and then; past any schedule these
      // faults allow, the partitions left will never run.
      if (event.time > horizon) break;
      now_ = event.time;
      handle(event);
    }
    // Originals still running when their copy's result ended the job are wasted too.
    for (const Worker& w : crew_) {
      if (w.alive && w.busy && done_[w.running.id]) wasted_s_ += std::min(now_, w.running.end_s) - w.running.start_s;
    }
    SimulationResult result;
    result.partitions = costs_.size();
    result.workers = workers_;
    result.work_s = std::accumulate(costs_.begin(), costs_.end(), 0.0);
    const double largest = costs_.empty() ? 0.0 : *std::max_element(costs_.begin(), costs_.end());
    result.lower_bound_s = std::max(result.work_s / workers_, largest);
    result.makespan_s = costs_.empty() ? 0.0 : last_end_ - first_start_;
    result.efficiency = result.makespan_s > 0 ? result.work_s / (workers_ * result.makespan_s) : 0.0;
    result.master_messages = master_messages_;
    result.grants = grants_;
    result.steal_attempts = steal_attempts_;
    result.steals = steals_;
    result.lost_workers = lost_count_;
    result.copies = backups_.backups();
    result.dealt_again = dealt_again_;
    for (const auto a : attempts_) result.rerun += a > 1 ? a - 1 : 0;
    result.wasted_s = wasted_s_;
    result.complete = received_ == costs_.size();
    return result;
  }

 private:
  double liveness_interval() const { return config_.worker_timeout_s / 10; }
  double heartbeat_interval() const {
    return scheduling::heartbeat_interval(scheduling::SilenceDetector::Duration(config_.worker_timeout_s)).count();
  }

  double horizon() const {
    double slowest = 1;
    for (const double f : config_.slowdown) slowest = std::max(slowest, f);
    double stopped = 0;
    for (const auto& fault : config_.faults) stopped += fault.dies() ? config_.worker_timeout_s : fault.for_s;
    const double work = std::accumulate(costs_.begin(), costs_.end(), 0.0);
    return 10 * (work * slowest + stopped + config_.worker_timeout_s) + 1;
  }

  void push(Event event) {
    event.seq = seq_++;
    events_.push(event);
  }

  // The master handles one message at a time: each costs it `overhead_s`.
  double master_busy_until(double t) {
    master_free_ = std::max(t, master_free_) + config_.overhead_s;
    ++master_messages_;
    return master_free_;
  }

  std::uint32_t fast_workers_besides(std::uint32_t worker) {
    std::uint32_t count = 0;
    for (std::uint32_t w = 0; w < workers_; ++w) count += w != worker && !lost_[w] && !backups_.slow(w, now_) ? 1 : 0;
    return count;
  }

  void send_grant(double t, std::uint32_t worker, std::vector<IndexRange> ranges, bool pushed = false,
                  bool as_if_dry = false) {
    std::uint64_t ahead = queues_.queued(worker);
    for (const auto& range : ranges) {
      backups_.granted(worker, range, ahead, t, done_);
      ahead += range.size();
    }
    queues_.granted(worker, scheduling::count_of(ranges));
    ++grants_;
    Event grant{master_busy_until(t) + config_.latency_s, 0, Kind::grant, worker};
    grant.flag = dealer_.exhausted() || as_if_dry;
    grant.pushed = pushed;
    grant.payload = ranges_.keep(std::move(ranges));
    push(grant);
  }

  void handle(const Event& e) {
    if (e.kind == Kind::request) return master_receive(e);
    if (e.kind == Kind::liveness) return look_for_silence(e.time);
    if (e.kind == Kind::heartbeat) return beat(e.time);
    Worker& w = crew_[e.worker];
    if (!w.alive) return drop(e);
    // A stopped worker takes what happens to it once it runs again.
    if (e.time < w.frozen_until && e.kind != Kind::fault) {
      Event later = e;
      later.time = w.frozen_until;
      return push(later);
    }
    bool overdue = false;
    switch (e.kind) {
      case Kind::grant: {
        const std::vector<IndexRange> granted = ranges_.take(e.payload);
        w.queue.push(granted, false);
        if (!granted.empty()) w.failed_steals = 0;
        if (e.pushed) break;
        if (w.requests_outstanding > 0) --w.requests_outstanding;
        const bool idle_answer = w.master_exhausted && e.flag;
        w.master_exhausted = e.flag;
        if (config_.stealing == job::Stealing::master && w.steal_outstanding) {
          end_steal(e.time, w, !granted.empty(), false);  // the master's work, not a victim's
        } else if (idle_answer && granted.empty() && !w.steal_outstanding) {
          // A worker without victims asks no more often than a thief would.
          w.next_steal = e.time + seconds_of(w.steal_backoff.next([t = e.time] { return clock_at(t); }));
        }
        break;
      }
      case Kind::steal_request: {
        Event reply{e.time + config_.latency_s, 0, Kind::steal_reply, e.thief};
        reply.payload = ranges_.keep(w.queue.empty() ? std::vector<IndexRange>{} : w.queue.steal_back_half());
        push(reply);
        return;
      }
      case Kind::steal_reply: {
        std::vector<IndexRange> loot = ranges_.take(e.payload);
        const bool got_work = !loot.empty();
        w.queue.push(loot, true);
        if (config_.stealing == job::Stealing::master) {
          // The master passed the worker's request on: it has nothing left, and this was a steal.
          if (w.requests_outstanding > 0) --w.requests_outstanding;
          w.master_exhausted = true;
          if (!w.steal_outstanding) begin_steal(w, 0);
        }
        if (w.steal_outstanding) end_steal(e.time, w, got_work);
        break;
      }
      case Kind::partition_end:
        if (e.count != w.run_generation) return;
        w.busy = false;
        w.own_seconds += w.running.end_s - w.running.start_s;
        ++w.own_partitions;
        if (w.outbox.empty()) push(Event{e.time + seconds_of(rules_.batching().max_delay), 0, Kind::results_due, e.worker, 0, 0, false, false, 0, w.batch});
        w.outbox.push_back(w.running);
        break;
      case Kind::results_due:
        if (e.queued != w.batch || w.outbox.empty()) return;
        overdue = true;
        break;
      case Kind::steal_retry:
        w.retry_pending = false;
        break;
      case Kind::fault:
        return fault(e.time, e.worker, config_.faults[e.count]);
      case Kind::request:
      case Kind::liveness:
      case Kind::heartbeat:
        return;
    }
    step(e.time, e.worker, overdue);
  }

  // An event for a dead worker: its payload is freed, and a steal it would have answered is
  // answered, in effect, by the Lost notice (see lose()).
  void drop(const Event& e) {
    if (e.kind == Kind::grant || e.kind == Kind::steal_reply) static_cast<void>(ranges_.take(e.payload));
  }

  void fault(double t, std::uint32_t id, const WorkerFault& fault) {
    Worker& w = crew_[id];
    if (w.busy && !fault.dies()) {
      // The running partition pauses and ends that much later.
      w.running.end_s += fault.for_s;
      push(Event{w.running.end_s, 0, Kind::partition_end, id, 0, ++w.run_generation});
    }
    if (fault.dies()) {
      kill(t, id);
    } else {
      if (t >= w.frozen_until) w.frozen_since = t;
      w.frozen_until = std::max(w.frozen_until, t + fault.for_s);
    }
  }

  // What a dead worker was doing is lost with it.
  void kill(double t, std::uint32_t id) {
    Worker& w = crew_[id];
    if (!w.alive) return;
    w.alive = false;
    // A stopped worker did nothing while stopped (its partition's end was moved by the stop).
    const double worked_until = t < w.frozen_until ? w.frozen_since : t;
    if (w.busy) wasted_s_ += std::min(worked_until, w.running.end_s) - w.running.start_s;
    for (const auto& r : w.outbox) wasted_s_ += r.end_s - r.start_s;
    w.outbox.clear();
  }

  // Live workers that run are heard (their heartbeats, if nothing else); dead and stopped ones
  // are not. The master's SilenceDetector does the rest, as in the runtime.
  void look_for_silence(double t) {
    for (std::uint32_t id = 0; id < workers_; ++id) {
      if (crew_[id].alive && t >= crew_[id].frozen_until) silence_.heard(id);
    }
    if (const auto silent = silence_.check(clock_at(t))) lose(t, *silent);
    if (received_ < costs_.size() && lost_count_ < workers_) push(Event{t + liveness_interval(), 0, Kind::liveness});
  }

  void beat(double t) {
    const double median_s = backups_.median_seconds();
    for (Worker& w : crew_) w.median_s = median_s;
    wake_idle(t);
    if (received_ < costs_.size()) push(Event{t + heartbeat_interval(), 0, Kind::heartbeat});
  }

  // What the master says (a median, a loss) may change an idle worker's mind: the runtime's
  // worker decides again on every pass of its loop.
  void wake_idle(double t) {
    for (std::uint32_t id = 0; id < workers_; ++id) {
      const Worker& w = crew_[id];
      if (w.alive && t >= w.frozen_until && !w.busy && w.queue.empty()) step(t, id, false);
    }
  }

  // As the runtime's master: the worker is killed (a stopped one on this host) or abandoned,
  // thieves stop waiting for it, and what it was granted without a result is dealt again to the
  // least loaded live workers.
  void lose(double t, std::uint32_t id) {
    if (lost_[id]) return;
    lost_[id] = true;
    ++lost_count_;
    silence_.forget(id);
    kill(t, id);
    queues_.reported(id, 0);
    for (std::uint32_t other = 0; other < workers_; ++other) {
      Worker& w = crew_[other];
      if (!w.alive) continue;
      w.victims.exclude(id);
      if (w.steal_outstanding && w.steal_victim == id + 1 && config_.stealing == job::Stealing::random) {
        end_steal(t, w, false);
      }
      // A steal the master passed on to the lost worker is answered by the master, with nothing.
      if (forwarded_[other] == id + 1) {
        forwarded_[other] = 0;
        send_grant(t, other, {});
      }
    }
    if (lost_count_ == workers_) return;
    wake_idle(t);
    std::vector<IndexRange> orphans;
    for (const auto& range : backups_.orphans_of(id, done_)) {
      for (PartitionId p = range.begin; p < range.end; ++p) {
        if (!done_[p]) scheduling::append_id(orphans, p);
      }
    }
    dealt_again_ += scheduling::count_of(orphans);
    for (auto& piece : scheduling::split_into_shares(orphans, workers_ - lost_count_)) {
      std::optional<std::uint32_t> target;
      for (std::uint32_t w = 0; w < workers_; ++w) {
        if (!lost_[w] && (!target || queues_.queued(w) < queues_.queued(*target))) target = w;
      }
      send_grant(t, *target, std::move(piece), true);
    }
  }

  // What a worker does after anything happened to it, as the runtime's worker decides it.
  void step(double t, std::uint32_t id, bool overdue) {
    Worker& w = crew_[id];
    if (!w.busy && !w.queue.empty()) {
      const PartitionId partition = w.queue.pop_front()->id;
      const double cost = costs_[partition] * w.slowdown;
      if (started_++ == 0) first_start_ = t;
      ++attempts_[partition];
      w.busy = true;
      w.running = Result{partition, t, t + cost};
      push(Event{t + cost, 0, Kind::partition_end, id, 0, ++w.run_generation});
    }
    scheduling::WorkerState s;
    s.queued = w.queue.size();
    s.busy = w.busy;
    s.master_exhausted = w.master_exhausted;
    s.requests_outstanding = w.requests_outstanding;
    s.steal_outstanding = w.steal_outstanding;
    s.has_victims = w.victims.has_victims();
    s.failed_steals = w.failed_steals;
    s.results_waiting = w.outbox.size();
    s.results_overdue = overdue;
    s.slow = config_.speculate && w.own_partitions > 0 &&
             scheduling::WorkerRules::is_slow(w.own_seconds / static_cast<double>(w.own_partitions), w.median_s);
    const bool out_of_work = scheduling::WorkerRules::out_of_work(s);
    s.steal_due = out_of_work && t >= w.next_steal;
    if (out_of_work && !s.steal_due && !w.retry_pending) {
      w.retry_pending = true;
      push(Event{w.next_steal, 0, Kind::steal_retry, id});
    }
    const scheduling::WorkerDecision d = rules_.decide(s);
    if (d.request_work || d.send_results) send_request(t, id, d.request_work, s.queued == 0 && !s.busy);
    if (d.steal) {
      const std::uint32_t victim = w.victims.next();
      begin_steal(w, victim + 1);
      Event steal{t + config_.latency_s, 0, Kind::steal_request, victim};
      steal.thief = id;
      push(steal);
    }
  }

  void send_request(double t, std::uint32_t id, bool wants_work, bool idle) {
    Worker& w = crew_[id];
    Event request{t + config_.latency_s, 0, Kind::request, id};
    request.queued = w.queue.size();
    request.flag = wants_work;
    request.pushed = idle;
    request.payload = results_.keep(std::move(w.outbox));
    w.outbox.clear();
    push(request);
    ++w.batch;
    if (wants_work) {
      ++w.requests_outstanding;
      if (w.master_exhausted && config_.stealing == job::Stealing::master) begin_steal(w, 0);
    }
  }

  void master_receive(const Event& e) {
    const double t = master_busy_until(e.time);
    const std::vector<Result> results = results_.take(e.payload);
    // A lost worker's results still count if they come first, as in the runtime; it is not
    // answered.
    if (!lost_[e.worker]) silence_.heard(e.worker);
    double busy_s = 0;
    for (const Result& r : results) {
      const double seconds = r.end_s - r.start_s;
      busy_s += seconds;
      backups_.finished(e.worker, seconds);
      if (done_[r.id]) {
        wasted_s_ += seconds;  // a copy, or the original after its copy
        continue;
      }
      done_[r.id] = true;
      ++received_;
      last_end_ = std::max(last_end_, r.end_s);
    }
    if (lost_[e.worker]) return;
    dealer_.completed(e.worker, results.size(), busy_s);
    queues_.reported(e.worker, e.queued);
    if (e.flag) forwarded_[e.worker] = 0;
    if (!e.flag) return;
    std::vector<IndexRange> ids;
    if (!dealer_.exhausted() && backups_.slow(e.worker, t) &&
        backups_.withhold(e.worker, t, dealer_.remaining(), fast_workers_besides(e.worker))) {
      return send_grant(t, e.worker, {}, false, true);  // as the runtime's master: none, as if run dry
    }
    if (dealer_.next_grant(e.worker, ids) == 0) {
      if (config_.stealing == job::Stealing::master && !backups_.slow(e.worker, t)) {
        if (const auto victim = queues_.victim_for(e.worker)) {
          Event steal{master_busy_until(t) + config_.latency_s, 0, Kind::steal_request, *victim};
          steal.thief = e.worker;
          push(steal);
          forwarded_[e.worker] = *victim + 1;
          return;
        }
      }
      if (e.pushed) ids = backups_.backup_for(done_, t);
    }
    send_grant(t, e.worker, std::move(ids));
  }

  // `victim`: the rank stolen from (0: the master names it).
  void begin_steal(Worker& w, std::uint32_t victim) {
    w.steal_outstanding = true;
    w.steal_victim = victim;
    ++steal_attempts_;
  }

  void end_steal(double t, Worker& w, bool got_work, bool from_a_victim = true) {
    w.steal_outstanding = false;
    if (got_work) {
      if (from_a_victim) ++steals_;
      w.failed_steals = 0;
      w.steal_backoff.reset();
    } else {
      ++w.failed_steals;
      w.next_steal = t + seconds_of(w.steal_backoff.next([t] { return clock_at(t); }));
    }
  }

  const SimulationConfig& config_;
  const std::vector<double>& costs_;
  std::uint32_t workers_;
  scheduling::Dealer dealer_;
  scheduling::QueueEstimates queues_;
  scheduling::WorkerRules rules_;
  scheduling::BackupRule backups_;
  scheduling::SilenceDetector silence_;
  std::vector<Worker> crew_;
  std::vector<bool> done_;
  std::vector<std::uint32_t> attempts_;
  std::vector<bool> lost_;
  std::uint32_t lost_count_ = 0;
  std::vector<std::uint32_t> forwarded_;  // stealing = "master": per thief, the victim + 1 of its steal

  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t seq_ = 0;
  Pool<IndexRange> ranges_;
  Pool<Result> results_;

  double master_free_ = 0;
  std::uint64_t master_messages_ = 0;
  std::uint64_t grants_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t started_ = 0;
  std::uint64_t dealt_again_ = 0;
  double first_start_ = 0;
  double last_end_ = 0;
  double wasted_s_ = 0;
  double now_ = 0;
  std::uint64_t steal_attempts_ = 0;
  std::uint64_t steals_ = 0;
};

}  // namespace

SimulationResult simulate(const SimulationConfig& config, const std::vector<double>& costs,
                          const std::vector<double>& estimates) {
  return Simulation(config, costs, estimates).run();
}

}  // namespace kdsched::simulation
