#pragma once

#include <algorithm>
#include <cstdint>

namespace kdsched {

// A half-open range [begin, end) of rows or partition ids. Like tbb::blocked_range it is a small
// value that can be split, which is how grants and steals move work between queues.
struct IndexRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;

  std::uint64_t size() const { return end - begin; }
  bool empty() const { return end <= begin; }

  // Removes and returns the last `n` indices (all of them when n >= size()).
  IndexRange split_back(std::uint64_t n) {
    const std::uint64_t cut = end - std::min(n, size());
    IndexRange back{cut, end};
    end = cut;
    return back;
  }

  // Removes and returns the first `n` indices (all of them when n >= size()).
  IndexRange split_front(std::uint64_t n) {
    const std::uint64_t cut = begin + std::min(n, size());
    IndexRange front{begin, cut};
    begin = cut;
    return front;
  }

  friend bool operator==(const IndexRange&, const IndexRange&) = default;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & begin & end;
  }
};

}  // namespace kdsched
