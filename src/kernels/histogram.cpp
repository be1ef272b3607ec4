#include "kernels/histogram.hpp"

#include "common/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string_view>

namespace kdsched::kernels {
namespace {
constexpr std::string_view known_keys[] = {"bins", "range"};
constexpr double infinity = std::numeric_limits<double>::infinity();
}  // namespace

HistogramKernel::HistogramKernel(const JobPlan& plan)
    : columns_(plan.input ? plan.input->cols() : 0) {
  const job::Params& params = plan.spec.kernel_params;
  params.require_only(known_keys);
  if (!plan.input) params.fail("name", "the histogram kernel needs an [input] dataset");
  bins_ = static_cast<std::uint64_t>(params.get_int("bins", 64, 1, 1 << 24));
  total_.min.assign(columns_, infinity);
  total_.max.assign(columns_, -infinity);
  if (const auto range = params.find_double_array("range")) {
    if (range->size() != 2 || !std::isfinite((*range)[0]) || !std::isfinite((*range)[1])) {
      params.fail("range", "range must be two finite numbers [lo, hi]");
    }
    if ((*range)[0] > (*range)[1]) params.fail("range", "range must have lo <= hi");
    if (!std::isfinite((*range)[1] - (*range)[0])) {
      params.fail("range", "range is too wide: hi - lo overflows a float64");
    }
    std::vector<double> edges;
    const auto column_edges = edges_for((*range)[0], (*range)[1], bins_);
    // Bins narrower than the float64 spacing at the range would share edges (or have width 0).
    if (std::adjacent_find(column_edges.begin(), column_edges.end(), std::greater_equal<>()) != column_edges.end()) {
      params.fail("range", fmt::format("range is too narrow for {} bins: neighbouring edges would be equal", bins_));
    }
    for (std::uint64_t c = 0; c < columns_; ++c) edges.insert(edges.end(), column_edges.begin(), column_edges.end());
    start_counting(std::move(edges));
    rounds_ = 1;
  }
}

std::vector<double> HistogramKernel::edges_for(double lo, double hi, std::uint64_t bins) {
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  std::vector<double> edges(bins + 1);
  const double step = (hi - lo) / static_cast<double>(bins);
  for (std::uint64_t i = 0; i < bins; ++i) edges[i] = static_cast<double>(i) * step + lo;
  edges[bins] = hi;
  return edges;
}

std::int64_t HistogramKernel::bin_of(double x, const double* edges, std::uint64_t bins) {
  const double lo = edges[0];
  const double hi = edges[bins];
  if (!(x >= lo && x <= hi)) return -1;  // outside, or NaN
  // The arithmetic guess can be off by one at an edge; numpy corrects it against the edges.
  auto index = static_cast<std::int64_t>((x - lo) / (hi - lo) * static_cast<double>(bins));
  const auto last = static_cast<std::int64_t>(bins) - 1;
  index = std::min(index, last);
  if (x < edges[index]) --index;
  if (index != last && x >= edges[index + 1]) ++index;
  return index;
}

void HistogramKernel::start_counting(std::vector<double> edges) {
  edges_ = std::move(edges);
  total_.counts.assign(columns_ * bins_, 0);
}

HistogramPartial HistogramKernel::map_partition(const Task& /*task*/, const io::Block& rows) {
  HistogramPartial partial;
  if (!counting()) {
    partial.min.assign(rows.cols, infinity);
    partial.max.assign(rows.cols, -infinity);
    for (std::uint64_t r = 0; r < rows.rows; ++r) {
      for (std::uint64_t c = 0; c < rows.cols; ++c) {
        const double x = rows.row(r)[c];
        // NaN and infinities cannot bound equal-width bins; they are left out of the range.
        if (!std::isfinite(x)) continue;
        partial.min[c] = std::min(partial.min[c], x);
        partial.max[c] = std::max(partial.max[c], x);
      }
    }
    return partial;
  }
  partial.counts.assign(rows.cols * bins_, 0);
  for (std::uint64_t r = 0; r < rows.rows; ++r) {
    for (std::uint64_t c = 0; c < rows.cols; ++c) {
      const std::int64_t bin = bin_of(rows.row(r)[c], edges_.data() + c * (bins_ + 1), bins_);
      if (bin >= 0) ++partial.counts[c * bins_ + static_cast<std::uint64_t>(bin)];
    }
  }
  return partial;
}

void HistogramKernel::merge_partial(const Task& /*task*/, const HistogramPartial& partial) {
  if (!counting()) {
    if (partial.min.size() != columns_) throw RuntimeError("histogram: partial extremes have the wrong width");
    for (std::uint64_t c = 0; c < columns_; ++c) {
      total_.min[c] = std::min(total_.min[c], partial.min[c]);
      total_.max[c] = std::max(total_.max[c], partial.max[c]);
    }
    return;
  }
  if (partial.counts.size() != total_.counts.size()) throw RuntimeError("histogram: partial counts have the wrong size");
  for (std::size_t i = 0; i < partial.counts.size(); ++i) total_.counts[i] += partial.counts[i];
}

std::optional<Bytes> HistogramKernel::next_round() {
  if (counting()) return std::nullopt;
  std::vector<double> edges;
  for (std::uint64_t c = 0; c < columns_; ++c) {
    // A column without finite values gets numpy's range for empty input, [0, 1].
    const bool empty = total_.min[c] > total_.max[c];
    const auto column_edges = edges_for(empty ? 0.0 : total_.min[c], empty ? 1.0 : total_.max[c], bins_);
    edges.insert(edges.end(), column_edges.begin(), column_edges.end());
  }
  return to_bytes(edges);
}

void HistogramKernel::begin_round(std::uint32_t /*round*/, const Bytes& state) {
  start_counting(from_bytes<std::vector<double>>(state));
}

void HistogramKernel::finish(io::Group& result) {
  if (!counting()) {
    // Only when the range-finding round failed: report the edges it would have used, no counts.
    begin_round(1, *next_round());
  }
  result.write("edges", std::span<const double>(edges_), {columns_, bins_ + 1});
  result.write("counts", std::span<const std::uint64_t>(total_.counts), {columns_, bins_});
}

}  // namespace kdsched::kernels
