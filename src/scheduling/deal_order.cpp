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
  order.prefix_.resize(estimated_costs.size() + 1, 0.0);
  for (std::size_t p = 0; p < order.ids_.size(); ++p) {
    order.prefix_[p + 1] = order.prefix_[p] + std::max(0.0, estimated_costs[order.ids_[p]]);
  }
  return order;
}

DealOrder DealOrder::without(const std::vector<bool>& done) const {
  DealOrder order;
  if (knows_costs()) order.prefix_.push_back(0.0);
  for (std::uint64_t position = 0; position < done.size(); ++position) {
    const PartitionId id = ids_.empty() ? position : ids_[position];
    if (done[id]) continue;
    order.ids_.push_back(id);
    if (knows_costs()) order.prefix_.push_back(order.prefix_.back() + cost({position, position + 1}));
  }
  return order;
}

std::uint64_t DealOrder::count_for_cost(IndexRange positions, double target) const {
  if (positions.empty()) return 0;
  const auto first = prefix_.begin() + static_cast<std::ptrdiff_t>(positions.begin + 1);
  const auto last = prefix_.begin() + static_cast<std::ptrdiff_t>(positions.end + 1);
  // The first position whose running cost reaches the target ends the grant.
  const auto reached = std::lower_bound(first, last, prefix_[positions.begin] + target);
  return std::min<std::uint64_t>(positions.size(), static_cast<std::uint64_t>(reached - first) + 1);
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
