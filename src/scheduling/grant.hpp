#pragma once

#include "partition/index_range.hpp"

#include <cstdint>
#include <vector>

namespace kdsched::scheduling {

// Partition ids handed to one worker at once, in the order the worker should run them.
struct Grant {
  std::uint32_t worker = 0;  // 0-based worker index
  std::vector<IndexRange> ranges;

  std::uint64_t size() const {
    std::uint64_t n = 0;
    for (const auto& r : ranges) n += r.size();
    return n;
  }
  bool empty() const { return size() == 0; }
};

}  // namespace kdsched::scheduling
