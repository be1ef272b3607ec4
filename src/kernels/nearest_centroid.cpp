#include "kernels/nearest_centroid.hpp"

#include <limits>

namespace kdsched::kernels {
namespace {

struct Geometry {
  std::uint64_t count;
  std::uint64_t columns;
  std::uint64_t stride;
  const double* centroids;
  const double* transposed;
  const double* norms;
};

// The nearest centroid of one row from its scores, and optionally the exact squared distance.
inline void finish_row(const Geometry& g, const double* row, const double* scores, std::int32_t* label,
                       double* distance) {
  // Branch-free: which centroid wins is unpredictable, and mispredictions cost more than the
  // comparisons.
  std::uint64_t best = 0;
  double lowest = scores[0];
  for (std::uint64_t c = 1; c < g.count; ++c) {
    const bool lower = scores[c] < lowest;
    lowest = lower ? scores[c] : lowest;
    best = lower ? c : best;
  }
  *label = static_cast<std::int32_t>(best);
  if (distance == nullptr) return;
  double d2 = 0;
  for (std::uint64_t j = 0; j < g.columns; ++j) {
    const double diff = row[j] - g.centroids[best * g.columns + j];
    d2 += diff * diff;
  }
  *distance = d2;
}

// The whole block in one call, compiled for AVX-512, AVX2+FMA and baseline x86-64; the loader
// picks the best the CPU has. Rows go in pairs, so that each centroid column loaded serves two.
__attribute__((target_clones("arch=skylake-avx512", "arch=haswell", "default"))) void assign_rows(
    const Geometry& g, const double* rows, std::uint64_t n, std::int32_t* labels, double* distances,
    double* __restrict out) {
  const std::uint64_t stride = g.stride;
  double* __restrict first = out;
  double* __restrict second = out + stride;
  std::uint64_t r = 0;
  for (; r + 1 < n; r += 2) {
    const double* __restrict a = rows + r * g.columns;
    const double* __restrict b = a + g.columns;
    for (std::uint64_t c = 0; c < stride; ++c) first[c] = second[c] = g.norms[c];
    for (std::uint64_t j = 0; j < g.columns; ++j) {
      const double xa = -2.0 * a[j];
      const double xb = -2.0 * b[j];
      const double* __restrict column = g.transposed + j * stride;
      for (std::uint64_t c = 0; c < stride; ++c) {
        first[c] += xa * column[c];
        second[c] += xb * column[c];
      }
    }
    finish_row(g, a, first, labels + r, distances ? distances + r : nullptr);
    finish_row(g, b, second, labels + r + 1, distances ? distances + r + 1 : nullptr);
  }
  for (; r < n; ++r) {
    const double* __restrict row = rows + r * g.columns;
    for (std::uint64_t c = 0; c < stride; ++c) first[c] = g.norms[c];
    for (std::uint64_t j = 0; j < g.columns; ++j) {
      const double x = -2.0 * row[j];
      const double* __restrict column = g.transposed + j * stride;
      for (std::uint64_t c = 0; c < stride; ++c) first[c] += x * column[c];
    }
    finish_row(g, row, first, labels + r, distances ? distances + r : nullptr);
  }
}

}  // namespace

NearestCentroid::NearestCentroid(const std::vector<double>& centroids, std::uint64_t columns)
    : count_(columns ? centroids.size() / columns : 0),
      columns_(columns),
      stride_((count_ + 7) / 8 * 8),
      centroids_(centroids),
      transposed_(columns * stride_, 0.0),
      norms_(stride_, std::numeric_limits<double>::infinity()) {
  for (std::uint64_t c = 0; c < count_; ++c) {
    double norm = 0;
    for (std::uint64_t j = 0; j < columns_; ++j) {
      const double v = centroids_[c * columns_ + j];
      transposed_[j * stride_ + c] = v;
      norm += v * v;
    }
    norms_[c] = norm;
  }
}

void NearestCentroid::assign(const double* rows, std::uint64_t n, std::vector<std::int32_t>& labels,
                             std::vector<double>* distances) const {
  labels.resize(n);
  if (distances) distances->resize(n);
  std::vector<double> out(2 * stride_);
  const Geometry geometry{count_, columns_, stride_, centroids_.data(), transposed_.data(), norms_.data()};
  assign_rows(geometry, rows, n, labels.data(), distances ? distances->data() : nullptr, out.data());
}

}  // namespace kdsched::kernels
