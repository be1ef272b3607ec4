#pragma once

#include "common/ids.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace kdsched::kernels {

// A synthetic per-partition cost: "const:US", "uniform:MIN_US,MAX_US" or
// "lognormal:MEAN_US,SIGMA". The draw for a partition depends only on the seed and the id, so
// every run, policy and rank sees the same cost for the same partition.
class CostDistribution {
 public:
  enum class Kind { constant, uniform, lognormal };

  // 2^62 ns: a spin's deadline on the steady clock must fit its signed 64-bit nanosecond count.
  static constexpr double max_cost_seconds = 4.611686018427387904e9;

  // Throws UsageError (unlocated; the caller adds the location) on a malformed text, or when a
  // draw could exceed max_cost_seconds.
  static CostDistribution parse(std::string_view text);

  double seconds(std::uint64_t seed, PartitionId id) const;
  double mean_seconds() const;
  std::string describe() const;

 private:
  Kind kind_ = Kind::constant;
  double a_ = 0;  // const: the cost; uniform: min; lognormal: mean (all in microseconds)
  double b_ = 0;  // uniform: max; lognormal: sigma
};

}  // namespace kdsched::kernels
