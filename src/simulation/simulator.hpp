#pragma once

#include "job/job_spec.hpp"

#include <cstdint>
#include <limits>
#include <vector>

namespace kdsched::simulation {

// A worker that dies at `at_s` (for_s infinite), or stops then (SIGSTOP, a hung node) and runs
// again `for_s` seconds later.
struct WorkerFault {
  std::uint32_t worker = 0;
  double at_s = 0;
  double for_s = std::numeric_limits<double>::infinity();

  bool dies() const { return for_s == std::numeric_limits<double>::infinity(); }
};

// What is simulated: the policies of a job's [schedule] and [faults] over `workers` virtual
// workers, and a model of the machine: every message takes `latency_s` to arrive, and the master
// spends `overhead_s` on each message it receives or sends, one at a time. `slowdown[w]` (when
// given) multiplies every partition's cost on worker w.
struct SimulationConfig {
  std::uint32_t workers = 1;
  job::Chunking chunking = job::Chunking::guided;
  std::uint64_t chunk = 1;
  job::Stealing stealing = job::Stealing::random;
  job::Order order = job::Order::fifo;
  double latency_s = 1e-6;
  double overhead_s = 0.5e-6;
  std::uint64_t seed = 0;
  std::vector<double> slowdown;
  std::vector<WorkerFault> faults;
  double worker_timeout_s = 60;
  bool speculate = true;
};

struct SimulationResult {
  std::uint64_t partitions = 0;
  std::uint32_t workers = 0;
  double work_s = 0;      // the sum of the partitions' costs (as on a worker that is not slow)
  double lower_bound_s = 0;  // no schedule is shorter: max(work_s / workers, the largest cost)
  double makespan_s = 0;  // first partition start to the last merged result's end, as `kdsched report` measures
  double efficiency = 0;  // work_s / (workers x makespan_s)
  std::uint64_t master_messages = 0;  // received and sent by the master
  std::uint64_t grants = 0;           // grants the master sent (up front, on request, or pushed)
  std::uint64_t steal_attempts = 0;
  std::uint64_t steals = 0;  // attempts that brought work
  std::uint32_t lost_workers = 0;
  std::uint64_t copies = 0;          // backup copies dealt (speculation, or what a lost worker may have held)
  std::uint64_t dealt_again = 0;     // partitions of lost workers dealt again
  std::uint64_t rerun = 0;           // attempts beyond the first, of any partition
  double wasted_s = 0;               // worker seconds on attempts whose result was not merged
  bool complete = true;              // every partition has a result (false: every worker was lost)
};

// A discrete-event run of the scheduler: the real Dealer, LocalQueue, VictimSelector,
// QueueEstimates, Backoff, ResultBatching, WorkerRules, BackupRule and SilenceDetector objects,
// driven by virtual time. Workers decide as the runtime's do (WorkerRules: ask for the next grant
// when the queue runs dry, so the answer overlaps the last partition; steal once the master has
// run dry; batch results), every partition as on the runtime's executor thread. The master deals,
// names victims, finds silent workers lost, deals what they held again and answers idle workers
// with backup copies, as the runtime's does. Partition i costs costs[i] seconds; order = "lpt"
// deals by `estimates` (the costs themselves when empty). Deterministic for a seed.
SimulationResult simulate(const SimulationConfig& config, const std::vector<double>& costs,
                          const std::vector<double>& estimates = {});

}  // namespace kdsched::simulation
