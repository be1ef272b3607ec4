#include "partition/partition_plan.hpp"

#include "common/error.hpp"

#include <fmt/format.h>

namespace kdsched {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return a / b + (a % b != 0); }

// Partitions smaller than a chunk must tile it exactly, so an explicit request below the chunk
// height gets its largest divisor not above the request; anything else is whole chunks.
std::uint64_t align_rows(std::uint64_t rows, std::uint64_t chunk, bool whole_chunks) {
  if (rows >= chunk || whole_chunks) return ceil_div(rows, chunk) * chunk;
  // Divisors come in pairs around the square root, so a tall chunk costs no more than its root.
  std::uint64_t best = 1;
  for (std::uint64_t small = 1; small <= chunk / small; ++small) {
    if (chunk % small != 0) continue;
    const std::uint64_t large = chunk / small;
    if (small <= rows) best = std::max(best, small);
    if (large <= rows) best = std::max(best, large);
  }
  return best;
}

}  // namespace

PartitionPlan PartitionPlan::make(const PlanRequest& request) {
  if (request.rows_per_partition && request.partition_count) {
    throw UsageError("[partition] takes either 'rows' or 'count', not both");
  }
  PartitionPlan plan;
  plan.rows_ = request.rows;
  const std::uint64_t total = request.rows.size();
  const std::uint64_t chunk = request.chunk_rows.value_or(1);
  plan.unit_ = chunk;

  if (request.partition_count) {
    const std::uint64_t units = ceil_div(total, chunk);
    plan.count_ = std::min(*request.partition_count, units);
    plan.explanation_ = fmt::format("{} partitions requested", *request.partition_count);
    if (plan.count_ < *request.partition_count) {
      plan.explanation_ += fmt::format("; {} made, as the input has only {} {}", plan.count_, units,
                                       chunk > 1 ? "chunks" : "rows");
    }
    return plan;
  }

  std::uint64_t wanted = 0;
  if (request.rows_per_partition) {
    wanted = *request.rows_per_partition;
    plan.explanation_ = fmt::format("{} rows per partition requested", wanted);
  } else if (request.row_bytes > 0) {
    wanted = ceil_div(default_partition_bytes, request.row_bytes);
    plan.explanation_ = fmt::format("default: at least {} rows (1 MiB) per partition", wanted);
  } else {
    wanted = 1;
    plan.explanation_ = "default: one index per partition";
  }
  plan.step_ = align_rows(std::max<std::uint64_t>(wanted, 1), chunk, !request.rows_per_partition);
  if (plan.step_ != wanted) {
    plan.explanation_ += fmt::format("; {} rows to align with the {}-row chunks", plan.step_, chunk);
  }
  plan.count_ = ceil_div(total, plan.step_);
  return plan;
}

IndexRange PartitionPlan::range(PartitionId id) const {
  const std::uint64_t total = rows_.size();
  auto boundary = [&](std::uint64_t i) -> std::uint64_t {
    if (step_ != 0) return std::min(total, i * step_);
    const std::uint64_t units = ceil_div(total, unit_);
    __extension__ using Wide = unsigned __int128;  // i * units can exceed 64 bits
    const auto unit_index = static_cast<std::uint64_t>(static_cast<Wide>(i) * units / count_);
    return std::min(total, unit_index * unit_);
  };
  return {rows_.begin + boundary(id), rows_.begin + boundary(id + 1)};
}

}  // namespace kdsched
