#pragma once

#include <cstdint>
#include <vector>

namespace kdsched::io {

// Rows of a dataset held in memory as float64, row-major: value (r, c) is values[r * cols + c].
// A 1-D dataset reads as one column.
struct Block {
  std::uint64_t rows = 0;
  std::uint64_t cols = 0;
  std::vector<double> values;

  const double* row(std::uint64_t r) const { return values.data() + r * cols; }
};

}  // namespace kdsched::io
