#pragma once

#include "kernels/cost_model.hpp"
#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

namespace kdsched::kernels {

// Synthetic work of a known cost per partition, for scheduling tests and benchmarks.
class SpinKernel final : public TypedKernel<double> {
 public:
  explicit SpinKernel(const JobPlan& plan);

  bool reads_input() const override { return false; }
  double estimated_cost(const Task& task) const override { return cost_seconds(task.id); }
  void finish(io::Group& result) override;

  // The cost of a partition in seconds, as map() will spend it.
  double cost_seconds(PartitionId id) const;

 protected:
  double map_partition(const Task& task, const io::Block& rows) override;
  void merge_partial(const Task& task, const double& partial) override;

 private:
  std::optional<CostDistribution> distribution_;
  std::vector<double> cost_table_;  // costs_dataset, in seconds
  std::uint64_t seed_ = 0;
  bool burn_ = true;
  std::unordered_set<PartitionId> failing_;  // fail_partitions: exercises the failure path
  // Only the master merges, so only the master sizes the costs by the partition count.
  std::vector<double>& sized_costs();

  std::uint64_t partitions_;
  std::vector<double> costs_s_;  // master: the cost of each merged partition
};

}  // namespace kdsched::kernels
