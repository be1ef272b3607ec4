#pragma once

#include <cstdint>
#include <vector>

namespace kdsched::kernels {

// Finds each row's nearest centroid, the inner loop of k-means. Scores are ||c||^2 - 2 x.c
// (||x||^2 is the same for every centroid), computed against transposed centroids so that the
// loop runs over centroids in vector registers; the CPU's widest instruction set is picked at
// run time. The squared distance to the chosen centroid is then computed exactly, as (x - c)^2.
class NearestCentroid {
 public:
  NearestCentroid() = default;
  NearestCentroid(const std::vector<double>& centroids, std::uint64_t columns);

  std::uint64_t size() const { return count_; }

  // For rows [0, n) of a row-major block: the nearest centroid (ties to the lowest index) and,
  // when `distances` is given, the squared distance to it.
  void assign(const double* rows, std::uint64_t n, std::vector<std::int32_t>& labels,
              std::vector<double>* distances) const;

 private:
  std::uint64_t count_ = 0;
  std::uint64_t columns_ = 0;
  std::uint64_t stride_ = 0;       // count_ rounded up to whole vectors
  std::vector<double> centroids_;  // count_ x columns_
  std::vector<double> transposed_;  // columns_ x stride_
  std::vector<double> norms_;      // stride_; padding is +inf so it never wins
};

}  // namespace kdsched::kernels
