#pragma once

#include "common/ids.hpp"
#include "partition/index_range.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace kdsched {

// What the job asks for and what the input looks like.
struct PlanRequest {
  IndexRange rows;                          // the rows (or index range) to cover
  std::uint64_t row_bytes = 0;              // bytes per row; 0 for an index range without data
  std::optional<std::uint64_t> chunk_rows;  // HDF5 chunk height when the dataset is chunked
  std::optional<std::uint64_t> rows_per_partition;
  std::optional<std::uint64_t> partition_count;
};

// The partitions of a job: contiguous row ranges, numbered from 0, that never cross an HDF5
// chunk boundary. Ranges are computed on demand, so a plan of millions of partitions is small.
class PartitionPlan {
 public:
  // Default partitions hold at least this much data.
  static constexpr std::uint64_t default_partition_bytes = std::uint64_t{1} << 20;
  // The most partitions a job may have: what the master keeps for each of them, every round,
  // must fit in memory with room to spare.
  static constexpr std::uint64_t max_count = std::uint64_t{1} << 24;

  static PartitionPlan make(const PlanRequest& request);

  std::uint64_t count() const { return count_; }
  IndexRange rows() const { return rows_; }
  IndexRange range(PartitionId id) const;

  // How the plan was derived, including any adjustment to chunk boundaries, for `validate`.
  const std::string& explanation() const { return explanation_; }

 private:
  IndexRange rows_;
  std::uint64_t unit_ = 1;  // rows per alignment unit (the chunk height, or 1)
  std::uint64_t count_ = 0;
  std::uint64_t step_ = 0;  // rows per partition; 0 when partitions spread units evenly
  std::string explanation_;
};

}  // namespace kdsched
