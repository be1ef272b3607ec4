#pragma once

#include <cstdint>
#include <vector>

namespace kdsched::kernels {

// Per-column count, mean, sum of squared deviations (M2), extremes and NaN count: the partial
// result of the stats kernel, combined with the pairwise formula of Chan, Golub and LeVeque.
// ±inf are counted apart and kept out of mean and M2, which hold the finite values only: an
// infinity in the pairwise formula turns into inf - inf = NaN as soon as two partials meet, so
// the answer would depend on the partitioning. mean_of() and variance_of() put them back.
struct Moments {
  std::vector<std::uint64_t> count;  // non-NaN values, infinities included
  std::vector<std::uint64_t> nan_count;
  std::vector<std::uint64_t> pos_inf_count;
  std::vector<std::uint64_t> neg_inf_count;
  std::vector<double> mean;  // of the finite values
  std::vector<double> m2;    // of the finite values
  std::vector<double> min;
  std::vector<double> max;

  Moments() = default;
  explicit Moments(std::uint64_t columns);

  std::uint64_t columns() const { return count.size(); }
  std::uint64_t finite_count(std::uint64_t c) const { return count[c] - pos_inf_count[c] - neg_inf_count[c]; }

  // numpy's mean and population variance of the non-NaN values of column c: NaN without values,
  // ±inf when infinities of one sign occur (NaN for both signs), a NaN variance with any infinity.
  double mean_of(std::uint64_t c) const;
  double variance_of(std::uint64_t c) const;

  // Two passes over the rows (mean, then deviations): exact enough that merging partitions
  // matches a two-pass computation over the whole dataset to ~1e-15.
  static Moments of_rows(const double* values, std::uint64_t rows, std::uint64_t columns);

  void merge(const Moments& other);

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & count & nan_count & pos_inf_count & neg_inf_count & mean & m2 & min & max;
  }
};

}  // namespace kdsched::kernels
