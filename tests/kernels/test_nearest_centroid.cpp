#include "kernels/nearest_centroid.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace kdsched::kernels {
namespace {

// The definition: score = |c|^2 + sum_j (-2 x_j) c_j, the lowest score wins (ties to the lowest
// index), and the distance is sum_j (x_j - c_j)^2.
void reference(const std::vector<double>& rows, const std::vector<double>& centroids, std::uint64_t d,
               std::vector<std::int32_t>& labels, std::vector<double>& distances) {
  const std::uint64_t n = rows.size() / d;
  const std::uint64_t k = centroids.size() / d;
  labels.assign(n, -1);
  distances.assign(n, 0.0);
  for (std::uint64_t r = 0; r < n; ++r) {
    double lowest = std::numeric_limits<double>::infinity();
    for (std::uint64_t c = 0; c < k; ++c) {
      double norm = 0;
      for (std::uint64_t j = 0; j < d; ++j) norm += centroids[c * d + j] * centroids[c * d + j];
      double score = norm;
      for (std::uint64_t j = 0; j < d; ++j) score += (-2.0 * rows[r * d + j]) * centroids[c * d + j];
      if (score < lowest) {
        lowest = score;
        labels[r] = static_cast<std::int32_t>(c);
      }
    }
    for (std::uint64_t j = 0; j < d; ++j) {
      const double diff = rows[r * d + j] - centroids[labels[r] * d + j];
      distances[r] += diff * diff;
    }
  }
}

// Vectorised paths may fuse multiplies and adds where this reference does not, so distances
// agree to rounding; labels agree exactly (random data has no near-ties but the exact one).
TEST(NearestCentroid, EqualsTheDefinition) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal(0.0, 3.0);
  // Centroid counts around the vector and block widths; row counts that leave partial groups.
  for (const std::uint64_t k : {1u, 5u, 8u, 16u, 20u, 33u}) {
    for (const std::uint64_t d : {1u, 3u, 16u}) {
      const std::uint64_t n = 103;
      std::vector<double> rows(n * d), centroids(k * d);
      for (auto& v : rows) v = normal(rng);
      for (auto& v : centroids) v = normal(rng);
      // An exact tie: row 0 sits on centroid 0, duplicated as the last centroid.
      if (k > 1) {
        for (std::uint64_t j = 0; j < d; ++j) centroids[(k - 1) * d + j] = centroids[j] = rows[j];
      }
      std::vector<std::int32_t> expected_labels, labels;
      std::vector<double> expected_distances, distances;
      reference(rows, centroids, d, expected_labels, expected_distances);
      NearestCentroid(centroids, d).assign(rows.data(), n, labels, &distances);
      EXPECT_EQ(labels, expected_labels) << "k " << k << ", d " << d;
      ASSERT_EQ(distances.size(), expected_distances.size());
      for (std::uint64_t r = 0; r < n; ++r) {
        EXPECT_NEAR(distances[r], expected_distances[r], 1e-12 * (1 + expected_distances[r])) << "row " << r;
      }
      EXPECT_EQ(labels[0], 0);
    }
  }
}

}  // namespace
}  // namespace kdsched::kernels
