#include "scheduling/deal_order.hpp"

#include <algorithm>
#include <numeric>

namespace kdsched::scheduling {

DealOrder DealOrder::longest_first(const std::vector<double>& estimated_costs) {
  DealOrder order;
  order.ids_.resize(estimated_costs.size());
  std::iota(order.ids_.begin(), order.ids_.end(), PartitionId{0});
  std::stable_sort(order.ids_.begin(), order.ids_.end(),
                   [&](PartitionId a, PartitionId b) { return estimated_costs[a] > estimated_costs[b]; });
  return order;
}

void DealOrder::append_ids(IndexRange positions, std::vector<IndexRange>& ranges) const {
  if (positions.empty()) return;
  if (ids_.empty()) {
    ranges.push_back(positions);
    return;
  }
  for (std::uint64_t p = positions.begin; p < positions.end; ++p) {
    const PartitionId id = ids_[p];
    if (!ranges.empty() && ranges.back().end == id) {
      ++ranges.back().end;
    } else {
      ranges.push_back({id, id + 1});
    }
  }
}

}  // namespace kdsched::scheduling
