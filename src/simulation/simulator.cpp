#include "simulation/simulator.hpp"

#include "scheduling/backoff.hpp"
#include "scheduling/dealer.hpp"
#include "scheduling/local_queue.hpp"
#include "scheduling/queue_estimates.hpp"
#include "scheduling/result_batching.hpp"
#include "scheduling/victim_selector.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>
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
};

struct Event {
  double time = 0;
  std::uint64_t seq = 0;  // ties in time keep the order of scheduling: the run is deterministic
  Kind kind = Kind::grant;
  std::uint32_t worker = 0;  // the worker it happens to (for a request: the sender)
  std::uint32_t thief = 0;   // steal_request
  std::uint64_t count = 0;   // request: results carried; results_due: the batch generation
  double busy_s = 0;         // request: their busy seconds
  std::uint64_t queued = 0;  // request: the sender's queue length
  bool flag = false;         // grant: the master has run dry; request: wants work
  std::uint32_t payload = 0;  // grant, steal_reply: index of the ranges

  bool operator>(const Event& other) const { return time != other.time ? time > other.time : seq > other.seq; }
};

struct Worker {
  scheduling::LocalQueue queue;
  scheduling::VictimSelector victims;
  Backoff steal_backoff = scheduling::steal_retries();
  bool busy = false;
  bool request_outstanding = true;  // the master deals a first grant unasked
  bool master_exhausted = false;
  bool steal_outstanding = false;
  bool retry_pending = false;
  double next_steal = 0;
  std::uint64_t outbox = 0;  // finished partitions not yet reported
  double outbox_busy_s = 0;
  std::uint64_t batch = 0;  // generation of the outbox, to recognise stale results_due events
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
        batching_(scheduling::ResultBatching::for_workers(workers_)) {
    crew_.reserve(workers_);
    for (std::uint32_t w = 0; w < workers_; ++w) {
      crew_.push_back(Worker{{}, scheduling::VictimSelector(w, workers_, config.seed)});
    }
  }

  SimulationResult run() {
    for (auto& grant : dealer_.initial_grants()) send_grant(0, grant.worker, std::move(grant.ranges));
    while (received_ < costs_.size() && !events_.empty()) {
      const Event event = events_.top();
      events_.pop();
      handle(event);
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
    return result;
  }

 private:
  void push(Event event) {
    event.seq = seq_++;
    events_.push(event);
  }

  std::uint32_t keep(std::vector<IndexRange> ranges) {
    if (free_.empty()) {
      payloads_.push_back(std::move(ranges));
      return static_cast<std::uint32_t>(payloads_.size() - 1);
    }
    const std::uint32_t index = free_.back();
    free_.pop_back();
    payloads_[index] = std::move(ranges);
    return index;
  }

  std::vector<IndexRange> take(std::uint32_t index) {
    free_.push_back(index);
    return std::move(payloads_[index]);
  }

  // The master handles one message at a time: each costs it `overhead_s`.
  double master_busy_until(double t) {
    master_free_ = std::max(t, master_free_) + config_.overhead_s;
    ++master_messages_;
    return master_free_;
  }

  void send_grant(double t, std::uint32_t worker, std::vector<IndexRange> ranges) {
    queues_.granted(worker, scheduling::count_of(ranges));
    ++grants_;
    Event grant{master_busy_until(t) + config_.latency_s, 0, Kind::grant, worker};
    grant.flag = dealer_.exhausted();
    grant.payload = keep(std::move(ranges));
    push(grant);
  }

  void handle(const Event& e) {
    Worker& w = crew_[e.worker];
    switch (e.kind) {
      case Kind::grant: {
        w.queue.push(take(e.payload), false);
        w.request_outstanding = false;
        w.master_exhausted = e.flag;
        if (config_.stealing == job::Stealing::master && w.steal_outstanding) {
          end_steal(e.time, w, !w.queue.empty());
        }
        break;
      }
      case Kind::request:
        master_receive(e);
        return;
      case Kind::steal_request: {
        Event reply{e.time + config_.latency_s, 0, Kind::steal_reply, e.thief};
        reply.payload = keep(w.queue.empty() ? std::vector<IndexRange>{} : w.queue.steal_back_half());
        push(reply);
        return;
      }
      case Kind::steal_reply: {
        std::vector<IndexRange> loot = take(e.payload);
        const bool got_work = !loot.empty();
        w.queue.push(loot, true);
        if (config_.stealing == job::Stealing::master) {
          // The master passed the worker's request on: it has nothing left, and this was a steal.
          w.request_outstanding = false;
          w.master_exhausted = true;
          if (!w.steal_outstanding) begin_steal(w);
        }
        end_steal(e.time, w, got_work);
        break;
      }
      case Kind::partition_end:
        w.busy = false;
        last_end_ = std::max(last_end_, e.time);
        if (w.outbox++ == 0) push(Event{e.time + seconds_of(batching_.max_delay), 0, Kind::results_due, e.worker, 0, w.batch});
        w.outbox_busy_s += e.busy_s;
        break;
      case Kind::results_due:
        if (e.count != w.batch || w.outbox == 0) return;
        send_request(e.time, e.worker, false);
        return;
      case Kind::steal_retry:
        w.retry_pending = false;
        break;
    }
    step(e.time, e.worker);
  }

  // What a worker does after anything happened to it, as the runtime's worker decides it.
  void step(double t, std::uint32_t id) {
    Worker& w = crew_[id];
    if (!w.busy && !w.queue.empty()) {
      const PartitionId partition = w.queue.pop_front()->id;
      const double cost = costs_[partition];
      if (started_++ == 0) first_start_ = t;
      w.busy = true;
      Event end{t + cost, 0, Kind::partition_end, id};
      end.busy_s = cost;
      push(end);
    }
    const bool may_steal = w.master_exhausted && w.queue.empty() && !w.steal_outstanding && workers_ > 1 &&
                           config_.stealing != job::Stealing::off;
    const bool steal_now = may_steal && t >= w.next_steal;
    if (may_steal && !steal_now && !w.retry_pending) {
      w.retry_pending = true;
      push(Event{w.next_steal, 0, Kind::steal_retry, id});
    }
    const bool request_work = !w.request_outstanding && w.queue.empty() &&
                              (!w.master_exhausted || (config_.stealing == job::Stealing::master && steal_now));
    const bool idle = !w.busy && w.queue.empty();
    if (request_work || (w.outbox > 0 && (w.outbox >= batching_.max_batch || (idle && !w.request_outstanding)))) {
      send_request(t, id, request_work);
    }
    if (config_.stealing == job::Stealing::random && steal_now) {
      begin_steal(w);
      Event steal{t + config_.latency_s, 0, Kind::steal_request, w.victims.next()};
      steal.thief = id;
      push(steal);
    }
  }

  void send_request(double t, std::uint32_t id, bool wants_work) {
    Worker& w = crew_[id];
    Event request{t + config_.latency_s, 0, Kind::request, id};
    request.count = w.outbox;
    request.busy_s = w.outbox_busy_s;
    request.queued = w.queue.size();
    request.flag = wants_work;
    push(request);
    w.outbox = 0;
    w.outbox_busy_s = 0;
    ++w.batch;
    if (wants_work) {
      w.request_outstanding = true;
      if (w.master_exhausted) begin_steal(w);
    }
  }

  void master_receive(const Event& e) {
    const double t = master_busy_until(e.time);
    received_ += e.count;
    dealer_.completed(e.worker, e.count, e.busy_s);
    queues_.reported(e.worker, e.queued);
    if (!e.flag) return;
    std::vector<IndexRange> ids;
    if (dealer_.next_grant(e.worker, ids) == 0 && config_.stealing == job::Stealing::master) {
      if (const auto victim = queues_.victim_for(e.worker)) {
        Event steal{master_busy_until(t) + config_.latency_s, 0, Kind::steal_request, *victim};
        steal.thief = e.worker;
        push(steal);
        return;
      }
    }
    send_grant(t, e.worker, std::move(ids));
  }

  void begin_steal(Worker& w) {
    w.steal_outstanding = true;
    ++steal_attempts_;
  }

  void end_steal(double t, Worker& w, bool got_work) {
    w.steal_outstanding = false;
    if (got_work) {
      ++steals_;
      w.steal_backoff.reset();
    } else {
      w.next_steal = t + seconds_of(w.steal_backoff.next([t] { return clock_at(t); }));
    }
  }

  const SimulationConfig& config_;
  const std::vector<double>& costs_;
  std::uint32_t workers_;
  scheduling::Dealer dealer_;
  scheduling::QueueEstimates queues_;
  scheduling::ResultBatching batching_;
  std::vector<Worker> crew_;

  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t seq_ = 0;
  std::vector<std::vector<IndexRange>> payloads_;
  std::vector<std::uint32_t> free_;

  double master_free_ = 0;
  std::uint64_t master_messages_ = 0;
  std::uint64_t grants_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t started_ = 0;
  double first_start_ = 0;
  double last_end_ = 0;
  std::uint64_t steal_attempts_ = 0;
  std::uint64_t steals_ = 0;
};

}  // namespace

SimulationResult simulate(const SimulationConfig& config, const std::vector<double>& costs,
                          const std::vector<double>& estimates) {
  return Simulation(config, costs, estimates).run();
}

}  // namespace kdsched::simulation
