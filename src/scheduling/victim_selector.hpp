#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace kdsched::scheduling {

// Picks the worker to steal from: uniformly among the others still alive, from a seeded
// generator so that a scripted test or a simulation replays exactly.
class VictimSelector {
 public:
  VictimSelector(std::uint32_t self, std::uint32_t workers, std::uint64_t seed)
      : self_(self), workers_(workers), rng_(seed ^ (0x9E3779B97F4A7C15ULL * (self + 1))), lost_(workers, false) {}

  bool has_victims() const { return workers_ - lost_count_ > 1; }

  // A lost worker is never a victim again.
  void exclude(std::uint32_t worker) {
    if (worker < workers_ && worker != self_ && !lost_[worker]) {
      lost_[worker] = true;
      ++lost_count_;
    }
  }

  std::uint32_t next() {
    std::uniform_int_distribution<std::uint32_t> pick(0, workers_ - 2);
    while (true) {
      const std::uint32_t other = pick(rng_);
      const std::uint32_t victim = other >= self_ ? other + 1 : other;
      if (!lost_[victim]) return victim;
    }
  }

 private:
  std::uint32_t self_;
  std::uint32_t workers_;
  std::mt19937_64 rng_;
  std::vector<bool> lost_;
  std::uint32_t lost_count_ = 0;
};

}  // namespace kdsched::scheduling
