#pragma once

#include <cstdint>

namespace kdsched {

using PartitionId = std::uint64_t;
using RowIndex = std::uint64_t;
using Rank = int;

inline constexpr Rank master_rank = 0;

}  // namespace kdsched
