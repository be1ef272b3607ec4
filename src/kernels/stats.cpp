#include "kernels/stats.hpp"

#include "common/error.hpp"

#include <limits>

namespace kdsched::kernels {

StatsKernel::StatsKernel(const JobPlan& plan) : total_(plan.input ? plan.input->cols() : 0) {
  plan.spec.kernel_params.require_only({});
  if (!plan.input) plan.spec.kernel_params.fail("name", "the stats kernel needs an [input] dataset");
}

Moments StatsKernel::map_partition(const Task& /*task*/, const io::Block& rows) {
  return Moments::of_rows(rows.values.data(), rows.rows, rows.cols);
}

void StatsKernel::merge_partial(const Task& /*task*/, const Moments& partial) {
  if (partial.columns() != total_.columns()) throw RuntimeError("stats: partial result has the wrong width");
  total_.merge(partial);
}

void StatsKernel::finish(io::Group& result) {
  const std::uint64_t d = total_.columns();
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> variance(d, nan), mean(d, nan), min(d, nan), max(d, nan);
  for (std::uint64_t c = 0; c < d; ++c) {
    if (total_.count[c] == 0) continue;
    mean[c] = total_.mean[c];
    variance[c] = std::max(0.0, total_.m2[c] / static_cast<double>(total_.count[c]));
    min[c] = total_.min[c];
    max[c] = total_.max[c];
  }
  result.write("count", std::span<const std::uint64_t>(total_.count));
  result.write("nan_count", std::span<const std::uint64_t>(total_.nan_count));
  result.write("mean", std::span<const double>(mean));
  result.write("variance", std::span<const double>(variance));
  result.write("min", std::span<const double>(min));
  result.write("max", std::span<const double>(max));
}

}  // namespace kdsched::kernels
