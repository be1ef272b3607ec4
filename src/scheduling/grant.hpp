#pragma once

#include "partition/index_range.hpp"

#include <cstdint>
#include <vector>

namespace kdsched::scheduling {

// How many ids a list of ranges holds.
inline std::uint64_t count_of(const std::vector<IndexRange>& ranges) {
  std::uint64_t n = 0;
  for (const auto& r : ranges) n += r.size();
  return n;
}

// Appends `id` to `ranges`, extending the last range when `id` follows it.
inline void append_id(std::vector<IndexRange>& ranges, std::uint64_t id) {
  if (!ranges.empty() && ranges.back().end == id) {
    ++ranges.back().end;
  } else {
    ranges.push_back({id, id + 1});
  }
}

// Partition ids handed to one worker at once, in the order the worker should run them.
struct Grant {
  std::uint32_t worker = 0;  // 0-based worker index
  std::vector<IndexRange> ranges;

  std::uint64_t size() const { return count_of(ranges); }
  bool empty() const { return size() == 0; }
};

}  // namespace kdsched::scheduling
