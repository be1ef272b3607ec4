#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace kdsched::reference {

// numpy-style statistics of one column of a row-major array, skipping NaN, computed the
// textbook way (two passes) in extended precision: the independent reference that kdsched's
// merged partial results are checked against.
struct ColumnStats {
  std::uint64_t count = 0;
  std::uint64_t nan_count = 0;
  double mean = NAN;
  double variance = NAN;
  double min = NAN;
  double max = NAN;
};

inline ColumnStats column_stats(const std::vector<double>& values, std::uint64_t cols, std::uint64_t col) {
  ColumnStats s;
  long double sum = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = col; i < values.size(); i += cols) {
    if (std::isnan(values[i])) {
      ++s.nan_count;
      continue;
    }
    ++s.count;
    sum += values[i];
    lo = std::min(lo, values[i]);
    hi = std::max(hi, values[i]);
  }
  if (s.count == 0) return s;
  const long double mean = sum / static_cast<long double>(s.count);
  long double squares = 0;
  for (std::size_t i = col; i < values.size(); i += cols) {
    if (!std::isnan(values[i])) squares += (values[i] - mean) * (values[i] - mean);
  }
  s.mean = static_cast<double>(mean);
  s.variance = static_cast<double>(squares / static_cast<long double>(s.count));
  s.min = lo;
  s.max = hi;
  return s;
}

}  // namespace kdsched::reference
