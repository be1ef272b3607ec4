#pragma once

#include <cstdint>

namespace kdsched::kernels {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A uniform draw in (0, 1) that depends only on (seed, key, stream): the same on every rank,
// platform and schedule, so that random choices per partition or per row are reproducible.
inline double seeded_draw(std::uint64_t seed, std::uint64_t key, std::uint64_t stream) {
  const std::uint64_t bits = splitmix64(splitmix64(seed ^ splitmix64(key)) + stream);
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}

}  // namespace kdsched::kernels
