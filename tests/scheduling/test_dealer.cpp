#include "scheduling/dealer.hpp"
#include "scheduling/grant.hpp"

#include <gtest/gtest.h>

namespace kdsched::scheduling {
namespace {

using job::Chunking;

// The ids of the next grant to `worker`.
std::vector<IndexRange> grant(Dealer& dealer, std::uint32_t worker) {
  std::vector<IndexRange> ids;
  dealer.next_grant(worker, ids);
  return ids;
}

std::uint64_t grant_size(Dealer& dealer, std::uint32_t worker) {
  std::vector<IndexRange> ids;
  const std::uint64_t size = dealer.next_grant(worker, ids);
  std::uint64_t counted = 0;
  for (const auto& range : ids) counted += range.size();
  EXPECT_EQ(size, counted);
  return size;
}

// Sizes of the grants a single worker receives by asking until the dealer is exhausted.
std::vector<std::uint64_t> sizes_when_asking(Dealer& dealer, std::uint32_t worker) {
  std::vector<std::uint64_t> sizes;
  while (!dealer.exhausted()) sizes.push_back(grant_size(dealer, worker));
  return sizes;
}

TEST(Dealer, StaticDealsContiguousBlocksUpFront) {
  Dealer dealer(10, 3, Chunking::static_block, 1);
  const auto grants = dealer.initial_grants();
  ASSERT_EQ(grants.size(), 3u);
  EXPECT_EQ(grants[0].ranges, (std::vector<IndexRange>{{0, 4}}));
  EXPECT_EQ(grants[1].ranges, (std::vector<IndexRange>{{4, 8}}));
  EXPECT_EQ(grants[2].ranges, (std::vector<IndexRange>{{8, 10}}));
  EXPECT_TRUE(dealer.exhausted());
  EXPECT_TRUE(grant(dealer, 0).empty());
}

TEST(Dealer, CyclicDealsRoundRobin) {
  Dealer dealer(7, 3, Chunking::cyclic, 1);
  const auto grants = dealer.initial_grants();
  EXPECT_EQ(grants[0].ranges, (std::vector<IndexRange>{{0, 1}, {3, 4}, {6, 7}}));
  EXPECT_EQ(grants[1].ranges, (std::vector<IndexRange>{{1, 2}, {4, 5}}));
  EXPECT_EQ(grants[2].ranges, (std::vector<IndexRange>{{2, 3}, {5, 6}}));
  EXPECT_TRUE(dealer.exhausted());
}

TEST(Dealer, FixedGrantsChunkPartitions) {
  Dealer dealer(10, 2, Chunking::fixed, 3);
  const auto first = dealer.initial_grants();
  EXPECT_EQ(first[0].ranges, (std::vector<IndexRange>{{0, 3}}));
  EXPECT_EQ(first[1].ranges, (std::vector<IndexRange>{{3, 6}}));
  EXPECT_EQ(sizes_when_asking(dealer, 0), (std::vector<std::uint64_t>{3, 1}));
}

TEST(Dealer, GuidedHalvesTheRemainderOverTheWorkers) {
  // ceil(R / (2W)) with W = 2: R = 100, 75, 56, 42, 31, 23, 17, 12, 9, 6, 4, 3, 2, 1
  Dealer dealer(100, 2, Chunking::guided, 1);
  EXPECT_EQ(sizes_when_asking(dealer, 0),
            (std::vector<std::uint64_t>{25, 19, 14, 11, 8, 6, 5, 3, 3, 2, 1, 1, 1, 1}));
}

TEST(Dealer, GuidedRespectsTheMinimumChunk) {
  Dealer dealer(20, 2, Chunking::guided, 4);
  EXPECT_EQ(sizes_when_asking(dealer, 0), (std::vector<std::uint64_t>{5, 4, 4, 4, 3}));
}

TEST(Dealer, FactoringDealsBatchesOfEqualGrants) {
  // Each batch: W grants of ceil(R / (2W)), R taken at the start of the batch.
  Dealer dealer(100, 2, Chunking::factoring, 1);
  EXPECT_EQ(sizes_when_asking(dealer, 0),
            (std::vector<std::uint64_t>{25, 25, 13, 13, 6, 6, 3, 3, 2, 2, 1, 1}));
}

TEST(Dealer, TrapezoidShrinksLinearly) {
  // N = 100, W = 2: first = 25, last = 1, steps = ceil(200 / 26) = 8, decrement = 24 / 7.
  Dealer dealer(100, 2, Chunking::trapezoid, 1);
  EXPECT_EQ(sizes_when_asking(dealer, 0), (std::vector<std::uint64_t>{25, 21, 18, 14, 11, 7, 4}));
}

TEST(Dealer, AdaptiveGivesFasterWorkersMore) {
  Dealer dealer(1000, 2, Chunking::adaptive, 1);
  // Before any measurement every worker weighs 1: plain guided.
  EXPECT_EQ(grant_size(dealer, 0), 250u);
  EXPECT_EQ(grant_size(dealer, 1), 188u);  // ceil(750 / 4)
  // Worker 0 ran 30 partitions in 0.1 s (300/s), worker 1 ran 10 in 0.1 s (100/s): mean rate
  // 200, so worker 0 weighs 1.5 and worker 1 weighs 0.5.
  dealer.completed(0, 30, 0.1);
  dealer.completed(1, 10, 0.1);
  EXPECT_EQ(grant_size(dealer, 0), 211u);  // ceil(562 / 4 * 1.5)
  EXPECT_EQ(grant_size(dealer, 1), 44u);   // ceil(351 / 4 * 0.5)
  // Rates are cumulative: worker 1 catches up to 40 partitions in 0.2 s (200/s, mean 250).
  dealer.completed(1, 30, 0.1);
  EXPECT_EQ(grant_size(dealer, 1), 62u);  // ceil(307 / 4 * 0.8)
  EXPECT_EQ(grant_size(dealer, 0), 74u);  // ceil(245 / 4 * 1.2)
}

TEST(Dealer, LongestFirstDealsTheCostliestPartitionsFirst) {
  // Costs of partitions 0..5; lpt order: 3 (9), 1 (7), 4 (7, after 1 by id), 5 (4), 0 (2), 2 (1).
  const DealOrder order = DealOrder::longest_first({2, 7, 1, 9, 7, 4});
  Dealer dealer(6, 2, Chunking::fixed, 2, order);
  EXPECT_EQ(grant(dealer, 0), (std::vector<IndexRange>{{3, 4}, {1, 2}}));
  // Consecutive ids travel as one range.
  EXPECT_EQ(grant(dealer, 1), (std::vector<IndexRange>{{4, 6}}));
  EXPECT_EQ(grant(dealer, 0), (std::vector<IndexRange>{{0, 1}, {2, 3}}));
  EXPECT_TRUE(dealer.exhausted());
}

TEST(Dealer, LongestFirstSizesGrantsByEstimatedCost) {
  // Deal order 1 (8), 3 (4), 0 (2), 2 (1), 4 (1). guided, W = 1: the first grant is worth
  // ceil(5 / 2) = 3 partitions of mean cost 16 / 5, so 9.6: partitions 1 and 3 (12) reach it.
  // Then ceil(3 / 2) = 2 of mean 4 / 3: 2.67, reached by 0 and 2; then 4 alone.
  Dealer dealer(5, 1, Chunking::guided, 1, DealOrder::longest_first({2, 8, 1, 4, 1}));
  EXPECT_EQ(grant(dealer, 0), (std::vector<IndexRange>{{1, 2}, {3, 4}}));
  EXPECT_EQ(grant(dealer, 0), (std::vector<IndexRange>{{0, 1}, {2, 3}}));
  EXPECT_EQ(grant(dealer, 0), (std::vector<IndexRange>{{4, 5}}));
  EXPECT_TRUE(dealer.exhausted());
}

TEST(Dealer, LongestFirstWithoutCostsSizesGrantsByCount) {
  Dealer dealer(100, 2, Chunking::guided, 1, DealOrder::longest_first(std::vector<double>(100, 0.0)));
  EXPECT_EQ(sizes_when_asking(dealer, 0),
            (std::vector<std::uint64_t>{25, 19, 14, 11, 8, 6, 5, 3, 3, 2, 1, 1, 1, 1}));
}

TEST(Dealer, LongestFirstAppliesToTheUpFrontPolicies) {
  const DealOrder order = DealOrder::longest_first({1, 2, 3, 4, 5, 6});
  Dealer cyclic(6, 2, Chunking::cyclic, 1, order);
  const auto dealt = cyclic.initial_grants();
  EXPECT_EQ(dealt[0].ranges, (std::vector<IndexRange>{{5, 6}, {3, 4}, {1, 2}}));
  EXPECT_EQ(dealt[1].ranges, (std::vector<IndexRange>{{4, 5}, {2, 3}, {0, 1}}));
  Dealer blocks(6, 2, Chunking::static_block, 1, order);
  EXPECT_EQ(blocks.initial_grants()[0].ranges, (std::vector<IndexRange>{{5, 6}, {4, 5}, {3, 4}}));
}

TEST(Dealer, DynamicPoliciesGiveEveryWorkerAFirstGrant) {
  for (const auto chunking : {Chunking::fixed, Chunking::guided, Chunking::factoring, Chunking::trapezoid}) {
    Dealer dealer(1000, 4, chunking, 1);
    const auto grants = dealer.initial_grants();
    ASSERT_EQ(grants.size(), 4u);
    for (std::uint32_t w = 0; w < 4; ++w) {
      EXPECT_EQ(grants[w].worker, w);
      EXPECT_FALSE(grants[w].empty());
    }
  }
}

TEST(Dealer, FewerPartitionsThanWorkers) {
  Dealer dealer(2, 4, Chunking::guided, 1);
  const auto grants = dealer.initial_grants();
  std::uint64_t total = 0;
  for (const auto& g : grants) total += g.size();
  EXPECT_EQ(total, 2u);
  EXPECT_TRUE(dealer.exhausted());
}

}  // namespace
}  // namespace kdsched::scheduling

namespace kdsched::scheduling {
namespace {

// A lost worker's 7 partitions (two ranges) over 3 workers: pieces of 3, 3 and 1, in order.
TEST(SplitIntoShares, ConsecutivePiecesOfTheRoundedUpShare) {
  const auto shares = split_into_shares({IndexRange{2, 4}, IndexRange{10, 15}}, 3);
  ASSERT_EQ(shares.size(), 3u);
  EXPECT_EQ(shares[0], (std::vector<IndexRange>{{2, 4}, {10, 11}}));
  EXPECT_EQ(shares[1], (std::vector<IndexRange>{{11, 14}}));
  EXPECT_EQ(shares[2], (std::vector<IndexRange>{{14, 15}}));
  EXPECT_TRUE(split_into_shares({}, 3).empty());
  EXPECT_EQ(split_into_shares({IndexRange{0, 2}}, 5).size(), 2u);  // never an empty piece
}

}  // namespace
}  // namespace kdsched::scheduling
