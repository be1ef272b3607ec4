#include "scheduling/queue_estimates.hpp"

namespace kdsched::scheduling {

std::optional<std::uint32_t> QueueEstimates::victim_for(std::uint32_t thief) {
  std::optional<std::uint32_t> victim;
  for (std::uint32_t w = 0; w < queued_.size(); ++w) {
    if (w != thief && queued_[w] > 0 && (!victim || queued_[w] > queued_[*victim])) victim = w;
  }
  if (victim) {
    const std::uint64_t moved = (queued_[*victim] + 1) / 2;
    queued_[*victim] -= moved;
    queued_.at(thief) += moved;
  }
  return victim;
}

}  // namespace kdsched::scheduling
