#include "kernels/spin.hpp"

#include "common/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <string_view>
#include <thread>

namespace kdsched::kernels {
namespace {
constexpr std::string_view known_keys[] = {"cost", "costs_dataset", "seed", "mode", "fail_partitions"};
}

SpinKernel::SpinKernel(const JobPlan& plan)
    : partitions_(plan.partitions.count()) {
  const job::Params& params = plan.spec.kernel_params;
  params.require_only(known_keys);
  seed_ = static_cast<std::uint64_t>(params.get_int("seed", 0, 0, std::numeric_limits<std::int64_t>::max()));

  const std::string mode = params.get_string("mode", "burn");
  if (mode != "burn" && mode != "sleep") params.fail("mode", "mode must be \"burn\" or \"sleep\"");
  burn_ = mode == "burn";

  if (const auto fail = params.find_double_array("fail_partitions")) {
    for (const double id : *fail) {
      if (id < 0 || id != std::floor(id)) params.fail("fail_partitions", "fail_partitions must list partition ids");
      failing_.insert(static_cast<PartitionId>(id));
    }
  }

  const auto cost = params.find_string("cost");
  const auto costs_dataset = params.find_string("costs_dataset");
  if (cost.has_value() == costs_dataset.has_value()) {
    params.fail(cost ? "costs_dataset" : "cost", "the spin kernel needs exactly one of 'cost' and 'costs_dataset'");
  }
  if (cost) {
    try {
      distribution_ = CostDistribution::parse(*cost);
    } catch (const UsageError& error) {
      params.fail("cost", error.what());
    }
    return;
  }
  if (!plan.spec.input) params.fail("costs_dataset", "'costs_dataset' needs an [input] file");
  cost_table_ = io::InputFile(plan.spec.input->file).read_vector(*costs_dataset);
  if (cost_table_.size() < plan.partitions.count()) {
    params.fail("costs_dataset", fmt::format("'{}' holds {} costs for {} partitions", *costs_dataset,
                                             cost_table_.size(), plan.partitions.count()));
  }
  const auto bad = std::find_if(cost_table_.begin(), cost_table_.begin() + static_cast<std::ptrdiff_t>(plan.partitions.count()),
                                 [](double s) { return !(s >= 0 && s <= CostDistribution::max_cost_seconds); });
  if (bad != cost_table_.begin() + static_cast<std::ptrdiff_t>(plan.partitions.count())) {
    params.fail("costs_dataset", fmt::format("'{}' gives partition {} a cost of {} s; costs must be between 0 and {:.3g} s",
                                             *costs_dataset, bad - cost_table_.begin(), *bad,
                                             CostDistribution::max_cost_seconds));
  }
}

double SpinKernel::cost_seconds(PartitionId id) const {
  return distribution_ ? distribution_->seconds(seed_, id) : cost_table_.at(id);
}

double SpinKernel::map_partition(const Task& task, const io::Block& /*rows*/) {
  if (failing_.contains(task.id)) throw RuntimeError(fmt::format("injected failure of partition {}", task.id));
  const double seconds = cost_seconds(task.id);
  const auto duration = std::chrono::duration<double>(seconds);
  if (seconds <= 0) return seconds;
  // A partition_timeout shorter than the cost stops the spin there (the attempt then fails).
  const auto now = std::chrono::steady_clock::now();
  const auto cost_end = now + std::chrono::duration_cast<std::chrono::nanoseconds>(duration);
  const auto end = std::min(task.deadline, cost_end);
  if (!burn_) {
    std::this_thread::sleep_until(end);
    return seconds;
  }
  while (std::chrono::steady_clock::now() < end) {
  }
  return seconds;
}

void SpinKernel::merge_partial(const Task& task, const double& partial) {
  sized_costs().at(task.id) = partial;
}

std::vector<double>& SpinKernel::sized_costs() {
  if (costs_s_.empty()) costs_s_.assign(partitions_, std::numeric_limits<double>::quiet_NaN());
  return costs_s_;
}

void SpinKernel::finish(io::Group& result) {
  // Failed partitions keep NaN: their cost was never spent.
  sized_costs();
  const double total = std::accumulate(costs_s_.begin(), costs_s_.end(), 0.0,
                                       [](double sum, double cost) { return std::isnan(cost) ? sum : sum + cost; });
  result.write("total_cost_s", std::span<const double>(&total, 1));
  result.write("costs_s", std::span<const double>(costs_s_));
}

}  // namespace kdsched::kernels
