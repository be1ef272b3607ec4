#pragma once

#include <cstdint>
#include <random>

namespace kdsched::scheduling {

// Picks the worker to steal from: uniformly among the others, from a seeded generator so that a
// scripted test or a simulation replays exactly.
class VictimSelector {
 public:
  VictimSelector(std::uint32_t self, std::uint32_t workers, std::uint64_t seed)
      : self_(self), workers_(workers), rng_(seed ^ (0x9E3779B97F4A7C15ULL * (self + 1))) {}

  bool has_victims() const { return workers_ > 1; }

  std::uint32_t next() {
    std::uniform_int_distribution<std::uint32_t> pick(0, workers_ - 2);
    const std::uint32_t other = pick(rng_);
    return other >= self_ ? other + 1 : other;
  }

 private:
  std::uint32_t self_;
  std::uint32_t workers_;
  std::mt19937_64 rng_;
};

}  // namespace kdsched::scheduling
