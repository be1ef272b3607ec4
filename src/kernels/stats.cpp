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
  std::vector<double> variance(d), mean(d), min(d), max(d);
  for (std::uint64_t c = 0; c < d; ++c) {
    mean[c] = total_.mean_of(c);
    variance[c] = total_.variance_of(c);
    const bool empty = total_.count[c] == 0;
    min[c] = empty ? std::numeric_limits<double>::quiet_NaN() : total_.min[c];
    max[c] = empty ? std::numeric_limits<double>::quiet_NaN() : total_.max[c];
  }
  result.write("count", std::span<const std::uint64_t>(total_.count));
  result.write("nan_count", std::span<const std::uint64_t>(total_.nan_count));
  result.write("mean", std::span<const double>(mean));
  result.write("variance", std::span<const double>(variance));
  result.write("min", std::span<const double>(min));
  result.write("max", std::span<const double>(max));
}

}  // namespace kdsched::kernels
