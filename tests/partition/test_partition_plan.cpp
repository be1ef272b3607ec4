#include "common/error.hpp"
#include "partition/partition_plan.hpp"

#include <gtest/gtest.h>

namespace kdsched {
namespace {

// Every row belongs to exactly one partition, in order, with no empty partition.
void expect_tiles(const PartitionPlan& plan) {
  std::uint64_t next = plan.rows().begin;
  for (PartitionId id = 0; id < plan.count(); ++id) {
    const IndexRange r = plan.range(id);
    EXPECT_EQ(r.begin, next) << "partition " << id;
    EXPECT_GT(r.size(), 0u) << "partition " << id;
    next = r.end;
  }
  EXPECT_EQ(next, plan.rows().end);
}

bool within_one_chunk_or_aligned(IndexRange r, std::uint64_t chunk) {
  const bool inside = r.begin / chunk == (r.end - 1) / chunk;
  const bool aligned = r.begin % chunk == 0;
  return inside || aligned;
}

TEST(PartitionPlan, RowsPerPartitionWithRemainder) {
  PlanRequest request{.rows = {0, 10}, .row_bytes = 8, .rows_per_partition = 4};
  const auto plan = PartitionPlan::make(request);
  ASSERT_EQ(plan.count(), 3u);
  EXPECT_EQ(plan.range(0), (IndexRange{0, 4}));
  EXPECT_EQ(plan.range(2), (IndexRange{8, 10}));
  expect_tiles(plan);
}

TEST(PartitionPlan, CountSpreadsRowsEvenly) {
  PlanRequest request{.rows = {0, 10}, .row_bytes = 8, .partition_count = 6};
  const auto plan = PartitionPlan::make(request);
  ASSERT_EQ(plan.count(), 6u);
  for (PartitionId id = 0; id < 6; ++id) {
    EXPECT_GE(plan.range(id).size(), 1u);
    EXPECT_LE(plan.range(id).size(), 2u);
  }
  expect_tiles(plan);
}

TEST(PartitionPlan, CountIsCappedByRows) {
  PlanRequest request{.rows = {0, 3}, .row_bytes = 8, .partition_count = 10};
  const auto plan = PartitionPlan::make(request);
  EXPECT_EQ(plan.count(), 3u);
  expect_tiles(plan);
}

TEST(PartitionPlan, RowsRoundUpToWholeChunks) {
  PlanRequest request{.rows = {0, 10'000}, .row_bytes = 8, .chunk_rows = 1000, .rows_per_partition = 1500};
  const auto plan = PartitionPlan::make(request);
  EXPECT_EQ(plan.range(0), (IndexRange{0, 2000}));
  EXPECT_EQ(plan.count(), 5u);
  for (PartitionId id = 0; id < plan.count(); ++id) EXPECT_EQ(plan.range(id).begin % 1000, 0u);
  expect_tiles(plan);
}

TEST(PartitionPlan, SmallPartitionsTileAChunk) {
  PlanRequest request{.rows = {0, 1000}, .row_bytes = 8, .chunk_rows = 100, .rows_per_partition = 30};
  const auto plan = PartitionPlan::make(request);
  EXPECT_EQ(plan.range(0).size(), 25u);  // the largest divisor of 100 not above 30
  for (PartitionId id = 0; id < plan.count(); ++id) EXPECT_TRUE(within_one_chunk_or_aligned(plan.range(id), 100));
  expect_tiles(plan);
}

TEST(PartitionPlan, SmallPartitionsTakeTheLargestDivisorOfTheChunk) {
  const auto step = [](std::uint64_t chunk, std::uint64_t rows) {
    return PartitionPlan::make({.rows = {0, 4 * chunk}, .row_bytes = 8, .chunk_rows = chunk, .rows_per_partition = rows})
        .range(0)
        .size();
  };
  EXPECT_EQ(step(12, 5), 4u);
  EXPECT_EQ(step(12, 7), 6u);
  EXPECT_EQ(step(36, 6), 6u);
  EXPECT_EQ(step(1u << 20, 1000), 512u);
  // A tall prime chunk: only 1 divides it, found without walking every height below the request.
  EXPECT_EQ(step(4'294'967'291, 4'294'967'290), 1u);
}

TEST(PartitionPlan, CountWithChunksNeverCrossesABoundary) {
  PlanRequest request{.rows = {0, 1050}, .row_bytes = 8, .chunk_rows = 100, .partition_count = 4};
  const auto plan = PartitionPlan::make(request);
  EXPECT_EQ(plan.count(), 4u);
  for (PartitionId id = 0; id < plan.count(); ++id) EXPECT_EQ(plan.range(id).begin % 100, 0u);
  expect_tiles(plan);
}

TEST(PartitionPlan, DefaultHoldsAtLeastOneMebibyte) {
  PlanRequest request{.rows = {0, 1'000'000}, .row_bytes = 64, .chunk_rows = 5000};
  const auto plan = PartitionPlan::make(request);
  const auto first = plan.range(0);
  EXPECT_GE(first.size() * 64, PartitionPlan::default_partition_bytes);
  EXPECT_EQ(first.size() % 5000, 0u);
  EXPECT_EQ(first.size(), 20'000u);
  expect_tiles(plan);
}

TEST(PartitionPlan, EmptyAndSingleRowInputs) {
  EXPECT_EQ(PartitionPlan::make({.rows = {0, 0}, .row_bytes = 8}).count(), 0u);
  EXPECT_EQ(PartitionPlan::make({.rows = {0, 0}, .row_bytes = 8, .partition_count = 5}).count(), 0u);
  const auto one = PartitionPlan::make({.rows = {0, 1}, .row_bytes = 8, .chunk_rows = 1});
  ASSERT_EQ(one.count(), 1u);
  EXPECT_EQ(one.range(0), (IndexRange{0, 1}));
}

TEST(PartitionPlan, IndexRangeDefaultsToOneIndexEach) {
  const auto plan = PartitionPlan::make({.rows = {100, 105}});
  ASSERT_EQ(plan.count(), 5u);
  EXPECT_EQ(plan.range(0), (IndexRange{100, 101}));
  EXPECT_EQ(plan.range(4), (IndexRange{104, 105}));
}

TEST(PartitionPlan, HugeCountsDoNotOverflow) {
  const auto plan = PartitionPlan::make({.rows = {0, std::uint64_t{1} << 50}, .row_bytes = 8, .partition_count = 1'000'000});
  EXPECT_EQ(plan.count(), 1'000'000u);
  EXPECT_EQ(plan.range(999'999).end, std::uint64_t{1} << 50);
}

TEST(PartitionPlan, RowsAndCountTogetherAreRejected) {
  EXPECT_THROW(PartitionPlan::make({.rows = {0, 10}, .rows_per_partition = 2, .partition_count = 2}), UsageError);
}

TEST(IndexRange, SplitsFromEitherEnd) {
  IndexRange r{10, 20};
  EXPECT_EQ(r.split_back(3), (IndexRange{17, 20}));
  EXPECT_EQ(r.split_front(2), (IndexRange{10, 12}));
  EXPECT_EQ(r, (IndexRange{12, 17}));
  EXPECT_EQ(r.split_back(100), (IndexRange{12, 17}));
  EXPECT_TRUE(r.empty());
}

}  // namespace
}  // namespace kdsched
