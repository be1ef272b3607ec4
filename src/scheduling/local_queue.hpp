#pragma once

#include "common/ids.hpp"
#include "partition/index_range.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace kdsched::scheduling {

// A worker's queue of partitions granted or stolen but not started. The owner takes from the
// front; thieves take the back half, so the owner keeps the work it was given first and the
// partition in progress (already popped) is never stolen. Pinned partitions (retries, which the
// master sent here because they failed elsewhere) go to the front and are never stolen.
class LocalQueue {
 public:
  struct Item {
    PartitionId id = 0;
    bool stolen = false;  // arrived by a steal rather than from the master
    bool pinned = false;
  };

  void push(const std::vector<IndexRange>& ranges, bool stolen, bool pinned = false);
  std::optional<Item> pop_front();
  // Puts back, at the front, items popped but not run, in their order.
  void return_front(const std::vector<Item>& items);

  // Removes and returns half the unpinned partitions, rounded up, from the back, in queue order.
  std::vector<IndexRange> steal_back_half();

  void clear() {
    entries_.clear();
    size_ = 0;
    pinned_ = 0;
  }

  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  struct Entry {
    IndexRange range;
    bool stolen = false;
    bool pinned = false;
  };
  std::deque<Entry> entries_;
  std::uint64_t size_ = 0;
  std::uint64_t pinned_ = 0;  // pinned partitions, all at the front
};

}  // namespace kdsched::scheduling
