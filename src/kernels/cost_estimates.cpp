#include "kernels/cost_estimates.hpp"

#include "common/error.hpp"
#include "io/result_file.hpp"

#include <fmt/format.h>

namespace kdsched::kernels {

std::vector<double> measured_costs(const std::filesystem::path& result_file) {
  const auto partitions = io::ResultFile(result_file).read_partitions();
  std::uint64_t count = 0;
  for (const auto& p : partitions) count = std::max<std::uint64_t>(count, p.id + 1);
  // Iterative kernels list every partition once per round: their mean is the estimate.
  std::vector<double> seconds(count, 0.0);
  std::vector<std::uint32_t> samples(count, 0);
  for (const auto& p : partitions) {
    seconds[p.id] += p.end_s - p.start_s;
    ++samples[p.id];
  }
  for (std::uint64_t id = 0; id < count; ++id) {
    if (samples[id] == 0) {
      throw IoError(fmt::format("'{}': /partitions has no time for partition {}", result_file.string(), id));
    }
    seconds[id] /= samples[id];
  }
  return seconds;
}

std::vector<double> estimate_costs(const JobPlan& plan, const Kernel& kernel) {
  const std::uint64_t count = plan.partitions.count();
  const auto& previous = plan.spec.schedule.costs_from;
  if (!previous.empty()) {
    std::vector<double> costs = measured_costs(previous);
    if (costs.size() != count) {
      throw UsageError(fmt::format("{}: costs_from '{}' has the times of {} partitions; this job has {}",
                                   plan.spec.path.string(), previous.string(), costs.size(), count));
    }
    return costs;
  }
  std::vector<double> costs(count);
  for (PartitionId id = 0; id < count; ++id) costs[id] = kernel.estimated_cost(Task{id, plan.partitions.range(id)});
  return costs;
}

}  // namespace kdsched::kernels
