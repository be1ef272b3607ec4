#include "kernels/registry.hpp"

#include "common/error.hpp"
#include "kernels/command.hpp"
#include "kernels/histogram.hpp"
#include "kernels/itemsets.hpp"
#include "kernels/kmeans.hpp"
#include "kernels/spin.hpp"
#include "kernels/stats.hpp"

#include <fmt/format.h>

#include <functional>

namespace kdsched::kernels {
namespace {

struct Entry {
  std::string_view name;
  std::function<std::unique_ptr<Kernel>(const JobPlan&)> make;
};

// An explicit table rather than self-registration: static libraries drop unreferenced
// registration objects, and the order of kernels here is the order users see.
const std::vector<Entry>& entries() {
  static const std::vector<Entry> table{
      {"stats", [](const JobPlan& plan) { return std::make_unique<StatsKernel>(plan); }},
      {"histogram", [](const JobPlan& plan) { return std::make_unique<HistogramKernel>(plan); }},
      {"kmeans", [](const JobPlan& plan) { return std::make_unique<KMeansKernel>(plan); }},
      {"itemsets", [](const JobPlan& plan) { return std::make_unique<ItemsetsKernel>(plan); }},
      {"command", [](const JobPlan& plan) { return std::make_unique<CommandKernel>(plan); }},
      {"spin", [](const JobPlan& plan) { return std::make_unique<SpinKernel>(plan); }},
  };
  return table;
}

}  // namespace

std::unique_ptr<Kernel> make_kernel(const JobPlan& plan) {
  for (const auto& entry : entries()) {
    if (entry.name == plan.spec.kernel) return entry.make(plan);
  }
  plan.spec.kernel_params.fail("name", fmt::format("kernel '{}' is not available in this version of kdsched "
                                                   "(available: {})",
                                                   plan.spec.kernel, fmt::join(available_kernels(), ", ")));
}

std::vector<std::string_view> available_kernels() {
  std::vector<std::string_view> names;
  for (const auto& entry : entries()) names.push_back(entry.name);
  return names;
}

}  // namespace kdsched::kernels
