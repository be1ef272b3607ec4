#pragma once

#include <algorithm>
#include <cstdint>

// The grant-size formulas of the chunking policies. Each rule lives here and nowhere else, so the
// runtime, the simulator and the tests agree by construction.
namespace kdsched::scheduling::rules {

inline std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return a / b + (a % b != 0); }

// static: one contiguous block per worker.
inline std::uint64_t static_block(std::uint64_t partitions, std::uint64_t workers) {
  return ceil_div(partitions, workers);
}

// guided (and each FAC2 batch): half of the remaining work spread over the workers.
inline std::uint64_t guided(std::uint64_t remaining, std::uint64_t workers, std::uint64_t min_chunk) {
  return std::max(min_chunk, ceil_div(remaining, 2 * workers));
}

// trapezoid (TSS, Tzen & Ni): grants shrink linearly from `first` to `last` over `steps` grants.
struct Trapezoid {
  std::uint64_t first = 1;
  std::uint64_t last = 1;
  std::uint64_t steps = 1;
  double decrement = 0;

  static Trapezoid make(std::uint64_t partitions, std::uint64_t workers, std::uint64_t min_chunk) {
    Trapezoid t;
    t.last = std::max<std::uint64_t>(1, min_chunk);
    t.first = std::max(t.last, ceil_div(partitions, 2 * workers));
    t.steps = std::max<std::uint64_t>(1, ceil_div(2 * partitions, t.first + t.last));
    t.decrement = t.steps > 1 ? static_cast<double>(t.first - t.last) / static_cast<double>(t.steps - 1) : 0.0;
    return t;
  }

  std::uint64_t size(std::uint64_t grant_index) const {
    const double size = static_cast<double>(first) - decrement * static_cast<double>(grant_index);
    return std::max(last, static_cast<std::uint64_t>(std::max(0.0, size)));
  }
};

// adaptive: the guided size scaled by the worker's share of the measured rate.
inline std::uint64_t weighted_guided(std::uint64_t remaining, std::uint64_t workers, std::uint64_t min_chunk,
                                     double relative_rate) {
  const double share = static_cast<double>(remaining) / (2.0 * static_cast<double>(workers)) * relative_rate;
  return std::max(min_chunk, static_cast<std::uint64_t>(share + 0.999999));
}

}  // namespace kdsched::scheduling::rules
