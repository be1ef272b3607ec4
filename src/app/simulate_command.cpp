#include "app/commands.hpp"
#include "common/error.hpp"
#include "kernels/cost_estimates.hpp"
#include "kernels/cost_model.hpp"
#include "simulation/simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
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
      "\"workers\": {}, \"work_s\": {}, \"lower_bound_s\": {}, \"grants\": {}, \"steal_attempts\": {}, "
      "\"lost_workers\": {}, \"dealt_again\": {}, \"copies\": {}, \"rerun\": {}, \"wasted_s\": {}, "
      "\"complete\": {}}}\n",
      r.makespan_s, r.efficiency, r.master_messages, r.steals, r.partitions, r.workers, r.work_s,
      r.lower_bound_s, r.grants, r.steal_attempts, r.lost_workers, r.dealt_again, r.copies, r.rerun, r.wasted_s,
      r.complete);
}

// A worker's rank as the user names it (1 is the first worker), as an index among `workers`.
std::uint32_t worker_of(const std::string& option, const std::string& text, std::uint32_t workers) {
  try {
    std::size_t used = 0;
    const unsigned long rank = std::stoul(text, &used);
    if (used == text.size() && rank >= 1 && rank <= workers) return static_cast<std::uint32_t>(rank - 1);
  } catch (const std::exception&) {
  }
  throw UsageError(fmt::format("{}: \"{}\" is not a worker's rank (1 to {})", option, text, workers));
}

double seconds_of(const std::string& option, const std::string& text, const std::string& what) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size() && value >= 0 && std::isfinite(value)) return value;
  } catch (const std::exception&) {
  }
  throw UsageError(fmt::format("{}: \"{}\" is not {}", option, text, what));
}

// "A<sep>B", split at the first `sep`.
std::pair<std::string, std::string> split(const std::string& option, const std::string& text, char sep,
                                          const char* form) {
  const auto at = text.find(sep);
  if (at == std::string::npos) throw UsageError(fmt::format("{}: \"{}\" is not of the form {}", option, text, form));
  return {text.substr(0, at), text.substr(at + 1)};
}

void add_faults(const SimulateOptions& o, simulation::SimulationConfig& config) {
  for (const auto& text : o.fail) {
    const auto [rank, at] = split("--fail", text, '@', "RANK@SECONDS");
    config.faults.push_back({worker_of("--fail", rank, config.workers), seconds_of("--fail", at, "a time in seconds")});
  }
  for (const auto& text : o.stop) {
    const auto [rank, rest] = split("--stop", text, '@', "RANK@SECONDS+SECONDS");
    const auto [at, length] = split("--stop", rest, '+', "RANK@SECONDS+SECONDS");
    config.faults.push_back({worker_of("--stop", rank, config.workers), seconds_of("--stop", at, "a time in seconds"),
                             seconds_of("--stop", length, "a duration in seconds")});
  }
  for (const auto& text : o.slow) {
    const auto [rank, factor] = split("--slow", text, ':', "RANK:FACTOR");
    const double f = seconds_of("--slow", factor, "a factor of at least 1");
    if (f < 1) throw UsageError(fmt::format("--slow: \"{}\" is not a factor of at least 1", factor));
    config.slowdown.resize(config.workers, 1.0);
    config.slowdown[worker_of("--slow", rank, config.workers)] = f;
  }
  config.worker_timeout_s = o.worker_timeout_s;
  config.speculate = !o.no_speculation;
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
  if (!c.faults.empty() || !c.slowdown.empty()) {
    out += fmt::format("faults      {} workers lost, {} partitions dealt again, {} copies; {} attempts run again, "
                       "{:.6f} worker seconds wasted{}\n",
                       r.lost_workers, r.dealt_again, r.copies, r.rerun, r.wasted_s,
                       r.complete ? "" : "; INCOMPLETE: partitions left without a result");
  }
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
  add_faults(options, config);
  std::string source;
  const std::vector<double> costs = partition_costs(options, source);
  const simulation::SimulationResult result = simulation::simulate(config, costs);
  const std::string out = options.json ? json(result) : text(options, config, source, result);
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace kdsched::app
