#pragma once

#include "common/ids.hpp"

#include <cstdint>
#include <vector>

namespace kdsched::scheduling {

// Which partitions have a result. The master merges a result only when record() says it is the
// first for that id, so a duplicate can never be merged twice.
class CompletionTracker {
 public:
  explicit CompletionTracker(std::uint64_t partitions) : done_(partitions, false) {}

  // False when the id is out of range or already complete.
  bool record(PartitionId id) {
    if (id >= done_.size() || done_[id]) return false;
    done_[id] = true;
    ++completed_;
    return true;
  }

  std::uint64_t completed() const { return completed_; }
  std::uint64_t total() const { return done_.size(); }
  bool all_done() const { return completed_ == done_.size(); }
  // done()[id]: the partition has a result.
  const std::vector<bool>& done() const { return done_; }

 private:
  std::vector<bool> done_;
  std::uint64_t completed_ = 0;
};

}  // namespace kdsched::scheduling
