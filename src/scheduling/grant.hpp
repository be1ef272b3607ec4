#pragma once

#include "partition/index_range.hpp"

#include <algorithm>
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

// `ranges` cut, in order, into consecutive pieces of ceil(count / pieces) ids (the last may be
// smaller): how a lost worker's partitions are spread over the others.
inline std::vector<std::vector<IndexRange>> split_into_shares(const std::vector<IndexRange>& ranges,
                                                              std::uint64_t pieces) {
  std::vector<std::vector<IndexRange>> shares;
  const std::uint64_t left = count_of(ranges);
  if (left == 0 || pieces == 0) return shares;
  const std::uint64_t share = (left + pieces - 1) / pieces;
  std::uint64_t in_piece = 0;
  for (IndexRange range : ranges) {
    while (!range.empty()) {
      if (in_piece == 0) shares.emplace_back();
      const IndexRange part = range.split_front(std::min(range.size(), share - in_piece));
      shares.back().push_back(part);
      in_piece = (in_piece + part.size()) % share;
    }
  }
  return shares;
}

// Partition ids handed to one worker at once, in the order the worker should run them.
struct Grant {
  std::uint32_t worker = 0;  // 0-based worker index
  std::vector<IndexRange> ranges;

  std::uint64_t size() const { return count_of(ranges); }
  bool empty() const { return size() == 0; }
};

}  // namespace kdsched::scheduling
