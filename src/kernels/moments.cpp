#include "kernels/moments.hpp"

#include <cmath>
#include <limits>

namespace kdsched::kernels {

Moments::Moments(std::uint64_t columns)
    : count(columns, 0),
      nan_count(columns, 0),
      pos_inf_count(columns, 0),
      neg_inf_count(columns, 0),
      mean(columns, 0.0),
      m2(columns, 0.0),
      min(columns, std::numeric_limits<double>::infinity()),
      max(columns, -std::numeric_limits<double>::infinity()) {}

Moments Moments::of_rows(const double* values, std::uint64_t rows, std::uint64_t columns) {
  Moments m(columns);
  std::vector<double> sum(columns, 0.0);
  for (std::uint64_t r = 0; r < rows; ++r) {
    const double* row = values + r * columns;
    for (std::uint64_t c = 0; c < columns; ++c) {
      const double x = row[c];
      if (std::isnan(x)) {
        ++m.nan_count[c];
        continue;
      }
      ++m.count[c];
      m.min[c] = std::min(m.min[c], x);
      m.max[c] = std::max(m.max[c], x);
      if (std::isinf(x)) {
        ++(x > 0 ? m.pos_inf_count : m.neg_inf_count)[c];
        continue;
      }
      sum[c] += x;
    }
  }
  for (std::uint64_t c = 0; c < columns; ++c) {
    if (m.finite_count(c) > 0) m.mean[c] = sum[c] / static_cast<double>(m.finite_count(c));
  }
  // The second pass also sums the deviations themselves: their square corrects the rounding
  // error of the mean (the "corrected two-pass" algorithm of Chan, Golub and LeVeque).
  std::vector<double> drift(columns, 0.0);
  for (std::uint64_t r = 0; r < rows; ++r) {
    const double* row = values + r * columns;
    for (std::uint64_t c = 0; c < columns; ++c) {
      const double x = row[c];
      if (!std::isfinite(x)) continue;
      const double d = x - m.mean[c];
      m.m2[c] += d * d;
      drift[c] += d;
    }
  }
  for (std::uint64_t c = 0; c < columns; ++c) {
    if (m.finite_count(c) > 0) m.m2[c] -= drift[c] * drift[c] / static_cast<double>(m.finite_count(c));
  }
  return m;
}

void Moments::merge(const Moments& other) {
  if (columns() == 0) {
    *this = other;
    return;
  }
  for (std::uint64_t c = 0; c < columns(); ++c) {
    nan_count[c] += other.nan_count[c];
    if (other.count[c] == 0) continue;
    min[c] = std::min(min[c], other.min[c]);
    max[c] = std::max(max[c], other.max[c]);
    const std::uint64_t na = finite_count(c);
    const std::uint64_t nb = other.finite_count(c);
    count[c] += other.count[c];
    pos_inf_count[c] += other.pos_inf_count[c];
    neg_inf_count[c] += other.neg_inf_count[c];
    if (nb == 0) continue;
    const double n = static_cast<double>(na + nb);
    const double delta = other.mean[c] - mean[c];
    mean[c] += delta * static_cast<double>(nb) / n;
    m2[c] += other.m2[c] + delta * delta * static_cast<double>(na) * static_cast<double>(nb) / n;
  }
}

double Moments::mean_of(std::uint64_t c) const {
  const bool pos = pos_inf_count[c] > 0, neg = neg_inf_count[c] > 0;
  if (count[c] == 0 || (pos && neg)) return std::numeric_limits<double>::quiet_NaN();
  if (pos || neg) return pos ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  return mean[c];
}

double Moments::variance_of(std::uint64_t c) const {
  if (count[c] == 0 || finite_count(c) != count[c]) return std::numeric_limits<double>::quiet_NaN();
  return std::max(0.0, m2[c] / static_cast<double>(count[c]));
}

}  // namespace kdsched::kernels
