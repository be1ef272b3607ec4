#pragma once

#include "common/ids.hpp"
#include "partition/index_range.hpp"

#include <cstdint>
#include <vector>

namespace kdsched::scheduling {

// The order in which the master deals partitions: ids in order (fifo), or a permutation such as
// longest estimated cost first (lpt). The dealer hands out positions in this order; grants carry
// the ids at those positions, consecutive ids joined into one range.
class DealOrder {
 public:
  DealOrder() = default;  // fifo: position i holds partition i

  // lpt: the largest estimated cost first; equal costs keep id order, so the deal is reproducible.
  static DealOrder longest_first(const std::vector<double>& estimated_costs);

  PartitionId at(std::uint64_t position) const { return ids_.empty() ? position : ids_[position]; }

  // Appends the ids at `positions` to `ranges`.
  void append_ids(IndexRange positions, std::vector<IndexRange>& ranges) const;

 private:
  std::vector<PartitionId> ids_;  // empty for fifo
};

}  // namespace kdsched::scheduling
