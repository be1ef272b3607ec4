#include "kernels/nearest_centroid.hpp"

#include <immintrin.h>

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
// ThreadSanitizer builds get the baseline only: the loader runs the clones' resolver before the
// sanitizer's runtime is up, and the instrumented resolver crashes.
#if defined(__SANITIZE_THREAD__)
#define KDSCHED_CLONES
#else
#define KDSCHED_CLONES __attribute__((target_clones("arch=skylake-avx512", "arch=haswell", "default")))
#endif
KDSCHED_CLONES void assign_rows(
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

// AVX-512, four rows at a time against blocks of 16 centroids: the 8 accumulators stay in
// registers for the whole dot product, so each centroid load serves four rows and nothing goes
// through memory until the scores are complete (4x the loop above on 16 x 16). Separate
// multiplies and adds measured faster than fused ones here: the adds of one accumulator chain.
__attribute__((target("avx512f"))) std::uint64_t assign_rows_avx512(const Geometry& g, const double* rows,
                                                                     std::uint64_t n, std::int32_t* labels,
                                                                     double* distances, double* scores) {
  constexpr std::uint64_t group = 4;
  const std::uint64_t stride = g.stride;
  const std::uint64_t columns = g.columns;
  std::uint64_t r = 0;
  for (; r + group <= n; r += group) {
    const double* row = rows + r * columns;
    for (std::uint64_t block = 0; block < stride; block += 16) {
      const bool two = block + 16 <= stride;  // the last block may hold only 8 (stride is a multiple of 8)
      __m512d a0 = _mm512_loadu_pd(g.norms + block), b0 = a0, c0 = a0, d0 = a0;
      __m512d a1 = two ? _mm512_loadu_pd(g.norms + block + 8) : a0, b1 = a1, c1 = a1, d1 = a1;
      for (std::uint64_t j = 0; j < columns; ++j) {
        const double* column = g.transposed + j * stride + block;
        const __m512d t0 = _mm512_loadu_pd(column);
        const __m512d t1 = two ? _mm512_loadu_pd(column + 8) : t0;
        const __m512d xa = _mm512_set1_pd(-2.0 * row[j]);
        const __m512d xb = _mm512_set1_pd(-2.0 * row[columns + j]);
        const __m512d xc = _mm512_set1_pd(-2.0 * row[2 * columns + j]);
        const __m512d xd = _mm512_set1_pd(-2.0 * row[3 * columns + j]);
        a0 = _mm512_add_pd(a0, _mm512_mul_pd(xa, t0));
        b0 = _mm512_add_pd(b0, _mm512_mul_pd(xb, t0));
        c0 = _mm512_add_pd(c0, _mm512_mul_pd(xc, t0));
        d0 = _mm512_add_pd(d0, _mm512_mul_pd(xd, t0));
        a1 = _mm512_add_pd(a1, _mm512_mul_pd(xa, t1));
        b1 = _mm512_add_pd(b1, _mm512_mul_pd(xb, t1));
        c1 = _mm512_add_pd(c1, _mm512_mul_pd(xc, t1));
        d1 = _mm512_add_pd(d1, _mm512_mul_pd(xd, t1));
      }
      _mm512_storeu_pd(scores + block, a0);
      _mm512_storeu_pd(scores + stride + block, b0);
      _mm512_storeu_pd(scores + 2 * stride + block, c0);
      _mm512_storeu_pd(scores + 3 * stride + block, d0);
      if (two) {
        _mm512_storeu_pd(scores + block + 8, a1);
        _mm512_storeu_pd(scores + stride + block + 8, b1);
        _mm512_storeu_pd(scores + 2 * stride + block + 8, c1);
        _mm512_storeu_pd(scores + 3 * stride + block + 8, d1);
      }
    }
    for (std::uint64_t i = 0; i < group; ++i) {
      finish_row(g, row + i * columns, scores + i * stride, labels + r + i, distances ? distances + r + i : nullptr);
    }
  }
  return r;
}

bool has_avx512() {
  static const bool supported = __builtin_cpu_supports("avx512f");
  return supported;
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
  std::vector<double> out(4 * stride_);
  const Geometry geometry{count_, columns_, stride_, centroids_.data(), transposed_.data(), norms_.data()};
  double* distance = distances ? distances->data() : nullptr;
  // The rows left over from groups of four (or all, without AVX-512) take the portable loop.
  const std::uint64_t done = has_avx512() ? assign_rows_avx512(geometry, rows, n, labels.data(), distance, out.data()) : 0;
  assign_rows(geometry, rows + done * columns_, n - done, labels.data() + done, distance ? distance + done : nullptr,
              out.data());
}

}  // namespace kdsched::kernels
