#include "scheduling/local_queue.hpp"

#include <algorithm>

namespace kdsched::scheduling {

void LocalQueue::push(const std::vector<IndexRange>& ranges, bool stolen, bool pinned) {
  for (const auto& range : ranges) {
    if (range.empty()) continue;
    if (pinned) {
      entries_.push_front({range, stolen, true});
      pinned_ += range.size();
    } else {
      entries_.push_back({range, stolen, false});
    }
    size_ += range.size();
  }
}

std::optional<LocalQueue::Item> LocalQueue::pop_front() {
  if (entries_.empty()) return std::nullopt;
  Entry& front = entries_.front();
  const Item item{front.range.split_front(1).begin, front.stolen, front.pinned};
  if (front.range.empty()) entries_.pop_front();
  --size_;
  if (item.pinned) --pinned_;
  return item;
}

void LocalQueue::return_front(const std::vector<Item>& items) {
  for (auto item = items.rbegin(); item != items.rend(); ++item) {
    entries_.push_front({{item->id, item->id + 1}, item->stolen, item->pinned});
    ++size_;
    if (item->pinned) ++pinned_;
  }
}

std::vector<IndexRange> LocalQueue::steal_back_half() {
  std::uint64_t wanted = (size_ - pinned_ + 1) / 2;
  std::vector<IndexRange> stolen;
  while (wanted > 0) {
    IndexRange& back = entries_.back().range;
    const IndexRange piece = back.split_back(wanted);
    if (back.empty()) entries_.pop_back();
    stolen.push_back(piece);
    wanted -= piece.size();
    size_ -= piece.size();
  }
  std::reverse(stolen.begin(), stolen.end());
  return stolen;
}

}  // namespace kdsched::scheduling
