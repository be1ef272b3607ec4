#pragma once

#include "common/ids.hpp"
#include "partition/index_range.hpp"

#include <cstdint>
#include <vector>

namespace kdsched::scheduling {

// The order in which the master deals partitions: ids in order (fifo), or longest estimated cost
// first (lpt). The dealer hands out positions in this order; grants carry the ids at those
// positions, consecutive ids joined into one range. An lpt order also knows the estimated cost of
// any run of positions, so that grant sizes can be measured in cost rather than in partitions.
class DealOrder {
 public:
  DealOrder() = default;  // fifo: position i holds partition i

  // lpt: the largest estimated cost first; equal costs keep id order, so the deal is reproducible.
  static DealOrder longest_first(const std::vector<double>& estimated_costs);

  // The same order without the ids that are `done` (a resumed round): positions close up.
  DealOrder without(const std::vector<bool>& done) const;

  // Appends the ids at `positions` to `ranges`.
  void append_ids(IndexRange positions, std::vector<IndexRange>& ranges) const;

  bool knows_costs() const { return !prefix_.empty(); }

  // lpt: the estimated cost of the partitions at `positions`.
  double cost(IndexRange positions) const { return prefix_[positions.end] - prefix_[positions.begin]; }

  // lpt: how many positions from positions.begin it takes to reach an estimated cost of
  // `target` (at least 1, at most all of `positions`).
  std::uint64_t count_for_cost(IndexRange positions, double target) const;

 private:
  std::vector<PartitionId> ids_;  // empty for fifo
  std::vector<double> prefix_;    // lpt: prefix_[p] = estimated cost of positions [0, p)
};

}  // namespace kdsched::scheduling
