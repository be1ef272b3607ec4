#include "kernels/histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace kdsched::kernels {
namespace {

// The definition itself: bin i holds edges[i] <= x < edges[i + 1], the last bin also x == hi.
std::int64_t by_search(double x, const std::vector<double>& edges) {
  const auto bins = static_cast<std::int64_t>(edges.size()) - 1;
  for (std::int64_t i = 0; i < bins; ++i) {
    const bool last = i == bins - 1;
    if (x >= edges[i] && (x < edges[i + 1] || (last && x == edges[i + 1]))) return i;
  }
  return -1;
}

TEST(Histogram, EdgesAreNumpyLinspace) {
  EXPECT_EQ(HistogramKernel::edges_for(0, 1, 4), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  // numpy widens an empty range by half a unit on each side.
  EXPECT_EQ(HistogramKernel::edges_for(5, 5, 2), (std::vector<double>{4.5, 5, 5.5}));
  const auto edges = HistogramKernel::edges_for(-1.3, 7.9, 7);
  EXPECT_EQ(edges.front(), -1.3);
  EXPECT_EQ(edges.back(), 7.9);
}

TEST(Histogram, BinsFollowTheEdgesExactly) {
  std::mt19937_64 rng(3);
  for (const auto [lo, hi, bins] : {std::tuple{0.0, 1.0, 10}, std::tuple{-3.7, 11.1, 13}, std::tuple{0.1, 0.7, 3},
                                    std::tuple{1e6, 1e6 + 1e-3, 64}}) {
    const auto edges = HistogramKernel::edges_for(lo, hi, static_cast<std::uint64_t>(bins));
    std::uniform_real_distribution<double> inside(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo));
    std::vector<double> xs(edges.begin(), edges.end());  // every edge itself
    for (int i = 0; i < 20000; ++i) xs.push_back(inside(rng));
    xs.push_back(std::nextafter(hi, 0.0));
    xs.push_back(std::nextafter(lo, -INFINITY));
    xs.push_back(std::numeric_limits<double>::quiet_NaN());
    xs.push_back(INFINITY);
    for (const double x : xs) {
      EXPECT_EQ(HistogramKernel::bin_of(x, edges.data(), static_cast<std::uint64_t>(bins)), by_search(x, edges))
          << "x = " << x << " in [" << lo << ", " << hi << "] with " << bins << " bins";
    }
  }
}

}  // namespace
}  // namespace kdsched::kernels
