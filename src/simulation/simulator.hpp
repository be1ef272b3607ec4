#pragma once

#include "job/job_spec.hpp"

#include <cstdint>
#include <vector>

namespace kdsched::simulation {

// What is simulated: the policies of a job's [schedule] over `workers` virtual workers, and a
// model of the machine: every message takes `latency_s` to arrive, and the master spends
// `overhead_s` on each message it receives or sends, one at a time.
struct SimulationConfig {
  std::uint32_t workers = 1;
  job::Chunking chunking = job::Chunking::guided;
  std::uint64_t chunk = 1;
  job::Stealing stealing = job::Stealing::random;
  job::Order order = job::Order::fifo;
  double latency_s = 1e-6;
  double overhead_s = 0.5e-6;
  std::uint64_t seed = 0;
};

struct SimulationResult {
  std::uint64_t partitions = 0;
  std::uint32_t workers = 0;
  double work_s = 0;      // the sum of the partitions' costs
  double lower_bound_s = 0;  // no schedule is shorter: max(work_s / workers, the largest cost)
  double makespan_s = 0;  // first partition start to last partition end, as `kdsched report` measures
  double efficiency = 0;  // work_s / (workers x makespan_s)
  std::uint64_t master_messages = 0;  // received and sent by the master
  std::uint64_t grants = 0;           // grants the master sent (up front or on request)
  std::uint64_t steal_attempts = 0;
  std::uint64_t steals = 0;  // attempts that brought work
};

// A discrete-event run of the scheduler: the real Dealer, LocalQueue, VictimSelector,
// QueueEstimates, Backoff and ResultBatching objects, driven by virtual time, with workers that
// follow the runtime's rules (ask for the next grant when the queue runs dry, so the answer
// overlaps the last partition; steal once the master has run dry; batch results). Partition i
// costs costs[i] seconds; order = "lpt" deals by `estimates` (the costs themselves when empty).
// Deterministic for a seed.
SimulationResult simulate(const SimulationConfig& config, const std::vector<double>& costs,
                          const std::vector<double>& estimates = {});

}  // namespace kdsched::simulation
