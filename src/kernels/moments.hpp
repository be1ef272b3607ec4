#pragma once

#include <cstdint>
#include <vector>

namespace kdsched::kernels {

// Per-column count, mean, sum of squared deviations (M2), extremes and NaN count: the partial
// result of the stats kernel, combined with the pairwise formula of Chan, Golub and LeVeque.
struct Moments {
  std::vector<std::uint64_t> count;
  std::vector<std::uint64_t> nan_count;
  std::vector<double> mean;
  std::vector<double> m2;
  std::vector<double> min;
  std::vector<double> max;

  Moments() = default;
  explicit Moments(std::uint64_t columns);

  std::uint64_t columns() const { return count.size(); }

  // Two passes over the rows (mean, then deviations): exact enough that merging partitions
  // matches a two-pass computation over the whole dataset to ~1e-15.
  static Moments of_rows(const double* values, std::uint64_t rows, std::uint64_t columns);

  void merge(const Moments& other);

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & count & nan_count & mean & m2 & min & max;
  }
};

}  // namespace kdsched::kernels
