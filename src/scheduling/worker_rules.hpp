#pragma once

#include "scheduling/result_batching.hpp"

#include <cstdint>

namespace kdsched::scheduling {

// What a worker knows when it decides what to do next.
struct WorkerState {
  std::uint64_t queued = 0;
  bool busy = false;       // a partition is running
  bool streaming = false;  // short partitions run on the communication thread (the runtime's inline mode)
  bool master_exhausted = false;
  unsigned requests_outstanding = 0;
  bool steal_outstanding = false;
  bool steal_due = false;  // the steal backoff has run out
  bool has_victims = false;
  std::uint64_t failed_steals = 0;  // in a row
  std::uint64_t results_waiting = 0;
  bool results_overdue = false;  // the oldest waiting result has waited the batching delay
  bool slow = false;             // see WorkerRules::is_slow
};

struct WorkerDecision {
  bool request_work = false;
  bool send_results = false;
  bool steal = false;    // from a random victim
  bool starved = false;  // idle, and waiting for a grant
};

// When a worker asks the master for work, sends its results, or steals: the one rule of the
// runtime's workers and of the simulator's. Pure: the caller reads the clock and acts.
class WorkerRules {
 public:
  // Stealing "random" (the thief picks its victim) or "master" (the master names it); neither
  // is stealing "off".
  WorkerRules(bool steals_randomly, bool master_names_victims, ResultBatching batching)
      : steals_randomly_(steals_randomly), master_names_victims_(master_names_victims), batching_(batching) {}

  // Whether a worker in this state is out of work once the master has run dry: only then does
  // the steal backoff matter (the caller reads the clock for steal_due only then).
  static bool out_of_work(const WorkerState& s) { return s.master_exhausted && s.queued == 0 && !s.steal_outstanding; }

  WorkerDecision decide(const WorkerState& s) const;

  // A worker whose partitions take, on average, more than `slow_factor` times the median of
  // every worker's (as the master last said) is slow, as a straggling node: once the master has
  // run dry it steals no more (nor does the master steal on its behalf), since the last
  // partitions of a job finish sooner anywhere else; its queue is left to the thieves. It still
  // asks the master, which may have work that only an idle worker's request brings (what a lost
  // worker held, a copy of a hung partition). With speculation only (`speculate`), so that
  // speculate = false keeps the plain schedule.
  static constexpr double slow_factor = 2;
  static bool is_slow(double own_mean_s, double median_s) { return median_s > 0 && own_mean_s > slow_factor * median_s; }

  const ResultBatching& batching() const { return batching_; }

 private:
  bool steals_randomly_;
  bool master_names_victims_;
  ResultBatching batching_;
};

}  // namespace kdsched::scheduling
