#include "app/commands.hpp"
#include "common/error.hpp"
#include "kernels/cost_estimates.hpp"
#include "kernels/cost_model.hpp"
#include "simulation/simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace kdsched::app {
namespace {

template <typename Enum>
Enum choice(std::span<const std::string_view> names, const std::string& name) {
  return static_cast<Enum>(std::find(names.begin(), names.end(), name) - names.begin());
}

std::vector<double> partition_costs(const SimulateOptions& options, std::string& source) {
  if (options.costs_from) {
    source = fmt::format("measured in {}", *options.costs_from);
    return kernels::measured_costs(*options.costs_from);
  }
  if (!options.partitions || !options.cost) {
    throw UsageError("simulate needs --costs-from, or --partitions with --cost");
  }
  kernels::CostDistribution distribution;
  try {
    distribution = kernels::CostDistribution::parse(*options.cost);
  } catch (const UsageError& error) {
    throw UsageError(fmt::format("--cost: {}", error.what()));
  }
  source = distribution.describe();
  std::vector<double> costs(*options.partitions);
  for (PartitionId id = 0; id < costs.size(); ++id) costs[id] = distribution.seconds(options.seed, id);
  return costs;
}

std::string json(const simulation::SimulationResult& r) {
  return fmt::format(
      "{{\"makespan_s\": {}, \"efficiency\": {}, \"master_messages\": {}, \"steals\": {}, \"partitions\": {}, "
      "\"workers\": {}, \"work_s\": {}, \"lower_bound_s\": {}, \"grants\": {}, \"steal_attempts\": {}}}\n",
      r.makespan_s, r.efficiency, r.master_messages, r.steals, r.partitions, r.workers, r.work_s,
      r.lower_bound_s, r.grants, r.steal_attempts);
}

std::string text(const SimulateOptions& o, const simulation::SimulationConfig& c, const std::string& source,
                 const simulation::SimulationResult& r) {
  std::string out;
  out += fmt::format("simulated   {} workers, {} partitions ({})\n", r.workers, r.partitions, source);
  out += fmt::format("schedule    chunking {} (chunk {}), stealing {}, order {}\n", o.chunking, c.chunk, o.stealing,
                     o.order);
  out += fmt::format("model       {} us latency per message, {} us of master time per message\n", o.latency_us,
                     o.overhead_us);
  out += fmt::format("makespan    {:.6f} s (lower bound {:.6f} s: the larger of work / workers and the longest "
                     "partition)\n", r.makespan_s, r.lower_bound_s);
  out += fmt::format("efficiency  {:.2f} %\n", 100.0 * r.efficiency);
  out += fmt::format("master      {} messages ({:.3f} per partition), {} grants\n", r.master_messages,
                     r.partitions ? static_cast<double>(r.master_messages) / static_cast<double>(r.partitions) : 0.0,
                     r.grants);
  out += fmt::format("steals      {} attempts, {} brought work\n", r.steal_attempts, r.steals);
  return out;
}

}  // namespace

int simulate_command(const SimulateOptions& options) {
  if (options.costs_from && (options.partitions || options.cost)) {
    throw UsageError("--costs-from replaces --partitions and --cost: give one or the other");
  }
  simulation::SimulationConfig config;
  config.workers = options.workers;
  config.chunking = choice<job::Chunking>(job::chunking_choices(), options.chunking);
  config.chunk = options.chunk;
  config.stealing = choice<job::Stealing>(job::stealing_choices(), options.stealing);
  config.order = choice<job::Order>(job::order_choices(), options.order);
  config.latency_s = options.latency_us * 1e-6;
  config.overhead_s = options.overhead_us * 1e-6;
  config.seed = options.seed;
  std::string source;
  const std::vector<double> costs = partition_costs(options, source);
  const simulation::SimulationResult result = simulation::simulate(config, costs);
  const std::string out = options.json ? json(result) : text(options, config, source, result);
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace kdsched::app
