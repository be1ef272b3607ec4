#include "scheduling/dealer.hpp"

#include <gtest/gtest.h>

namespace kdsched::scheduling {
namespace {

using job::Chunking;

// Sizes of the grants a single worker receives by asking until the dealer is exhausted.
std::vector<std::uint64_t> sizes_when_asking(Dealer& dealer, std::uint32_t worker) {
  std::vector<std::uint64_t> sizes;
  while (!dealer.exhausted()) sizes.push_back(dealer.next_grant(worker).size());
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
  EXPECT_TRUE(dealer.next_grant(0).empty());
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
  dealer.observe_rate(0, 300.0);
  dealer.observe_rate(1, 100.0);
  // mean rate 200: worker 0 weighs 1.5, worker 1 weighs 0.5.
  EXPECT_EQ(dealer.next_grant(0).size(), 375u);
  EXPECT_EQ(dealer.next_grant(1).size(), 79u);  // ceil(625 / 4 * 0.5)
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
