#include "kernels/moments.hpp"
#include "reference/column_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <fmt/format.h>

namespace kdsched::kernels {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Moments of `rows` rows merged from partitions of the given sizes, in the given order.
Moments merged(const std::vector<double>& values, std::uint64_t cols, const std::vector<std::uint64_t>& sizes) {
  Moments total(cols);
  std::uint64_t row = 0;
  for (const auto size : sizes) {
    total.merge(Moments::of_rows(values.data() + row * cols, size, cols));
    row += size;
  }
  return total;
}

void expect_matches(const Moments& m, const std::vector<double>& values, std::uint64_t cols) {
  for (std::uint64_t c = 0; c < cols; ++c) {
    const reference::ColumnStats ref = reference::column_stats(values, cols, c);
    EXPECT_EQ(m.count[c], ref.count) << "column " << c;
    EXPECT_EQ(m.nan_count[c], ref.nan_count) << "column " << c;
    EXPECT_NEAR(m.mean[c], ref.mean, 1e-12 * std::max(1.0, std::abs(ref.mean))) << "column " << c;
    const double variance = m.m2[c] / static_cast<double>(m.count[c]);
    EXPECT_NEAR(variance, ref.variance, 1e-12 * std::max(1e-300, ref.variance)) << "column " << c;
    EXPECT_EQ(m.min[c], ref.min);
    EXPECT_EQ(m.max[c], ref.max);
  }
}

TEST(Moments, MergedPartitionsMatchTwoPassOverEverything) {
  const std::uint64_t rows = 10'000, cols = 3;
  std::mt19937_64 rng(1);
  // An offset 10^4 standard deviations from zero: the one-pass sum-of-squares formula would lose
  // about eight digits here.
  std::normal_distribution<double> normal(1e4, 1.0);
  std::vector<double> values(rows * cols);
  for (auto& v : values) v = normal(rng);
  expect_matches(merged(values, cols, {rows}), values, cols);
  expect_matches(merged(values, cols, {1, 4999, 3000, 1999, 1}), values, cols);
  std::vector<std::uint64_t> singles(rows, 1);
  expect_matches(merged(values, cols, singles), values, cols);
}

TEST(Moments, NaNsAreCountedAndSkipped) {
  const std::vector<double> values{1.0, nan, 2.0, 5.0, nan, nan, 4.0, 7.0};
  const Moments m = merged(values, 2, {1, 3});
  EXPECT_EQ(m.count, (std::vector<std::uint64_t>{3, 2}));
  EXPECT_EQ(m.nan_count, (std::vector<std::uint64_t>{1, 2}));
  expect_matches(m, values, 2);
}

TEST(Moments, ConstantColumnHasZeroVariance) {
  const std::vector<double> values(100, 0.1);
  const Moments m = merged(values, 1, {33, 33, 34});
  EXPECT_NEAR(m.m2[0], 0.0, 1e-28);
  EXPECT_DOUBLE_EQ(m.mean[0], 0.1);
}

TEST(Moments, SingleRowAndEmptyPartitions) {
  const std::vector<double> values{3.5, -2.0};
  const Moments m = merged(values, 2, {0, 1, 0});
  EXPECT_EQ(m.count, (std::vector<std::uint64_t>{1, 1}));
  EXPECT_EQ(m.mean, (std::vector<double>{3.5, -2.0}));
  EXPECT_EQ(m.m2, (std::vector<double>{0.0, 0.0}));
}

TEST(Moments, AllNaNColumnKeepsNoCount) {
  const std::vector<double> values{nan, nan};
  const Moments m = merged(values, 1, {1, 1});
  EXPECT_EQ(m.count[0], 0u);
  EXPECT_EQ(m.nan_count[0], 2u);
}

// Equal, or both NaN.
void expect_same(double actual, double expected, const std::string& what) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what << ": " << actual;
  } else if (std::isinf(expected)) {
    EXPECT_EQ(actual, expected) << what;
  } else {
    EXPECT_NEAR(actual, expected, 1e-12 * std::max(1.0, std::abs(expected))) << what;
  }
}

TEST(Moments, InfinitiesAreValuesWhateverThePartitioning) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  // Columns: finite and +inf; only -inf; both signs; finite only; +inf and NaN; finite and -inf.
  const std::uint64_t cols = 6;
  const std::vector<double> values{
      1.0,  -inf, inf,  2.0, inf, 3.0,  //
      inf,  -inf, 1.0,  4.0, nan, -inf,  //
      3.0,  -inf, -inf, 8.0, 1.0, 5.0,  //
      5.0,  -inf, 2.0,  1.0, nan, 7.0,  //
      inf,  -inf, 4.0,  0.5, 2.0, 9.0,  //
  };
  const std::uint64_t rows = values.size() / cols;
  const std::vector<std::vector<std::uint64_t>> splits{{5}, {1, 4}, {2, 3}, {1, 1, 1, 1, 1}, {0, 3, 0, 2}, {4, 1}};
  for (const auto& sizes : splits) {
    const Moments m = merged(values, cols, sizes);
    for (std::uint64_t c = 0; c < cols; ++c) {
      // The reference sums the infinities in: inf - inf makes numpy's NaN of its own accord.
      const reference::ColumnStats ref = reference::column_stats(values, cols, c);
      const std::string what = fmt::format("column {}, {} partitions", c, sizes.size());
      EXPECT_EQ(m.count[c], ref.count) << what;
      EXPECT_EQ(m.nan_count[c], ref.nan_count) << what;
      expect_same(m.mean_of(c), ref.mean, what + " mean");
      expect_same(m.variance_of(c), ref.variance, what + " variance");
      EXPECT_EQ(m.min[c], ref.min) << what;
      EXPECT_EQ(m.max[c], ref.max) << what;
    }
    EXPECT_EQ(m.mean_of(0), inf);
    EXPECT_TRUE(std::isnan(m.variance_of(0)));
    EXPECT_EQ(m.mean_of(1), -inf);
    EXPECT_TRUE(std::isnan(m.mean_of(2)));
    EXPECT_DOUBLE_EQ(m.mean_of(3), 3.1);
    EXPECT_EQ(m.mean_of(5), -inf);
    EXPECT_EQ(rows, m.count[3]);
  }
}

}  // namespace
}  // namespace kdsched::kernels
