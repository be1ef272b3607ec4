#include "scheduling/backoff.hpp"
#include "scheduling/completion_tracker.hpp"
#include "scheduling/local_queue.hpp"
#include "scheduling/retry_rule.hpp"
#include "scheduling/victim_selector.hpp"

#include <gtest/gtest.h>

#include <set>

namespace kdsched::scheduling {
namespace {

TEST(LocalQueue, OwnerTakesFromTheFront) {
  LocalQueue queue;
  queue.push({{0, 2}, {5, 6}}, false);
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.pop_front()->id, 0u);
  EXPECT_EQ(queue.pop_front()->id, 1u);
  EXPECT_EQ(queue.pop_front()->id, 5u);
  EXPECT_FALSE(queue.pop_front());
}

TEST(LocalQueue, ThiefTakesTheBackHalfRoundedUp) {
  LocalQueue queue;
  queue.push({{0, 3}, {10, 12}}, false);  // 0 1 2 10 11
  const auto stolen = queue.steal_back_half();
  EXPECT_EQ(stolen, (std::vector<IndexRange>{{2, 3}, {10, 12}}));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.pop_front()->id, 0u);
  EXPECT_EQ(queue.pop_front()->id, 1u);
  EXPECT_TRUE(queue.empty());
}

TEST(LocalQueue, ASingleQueuedPartitionCanBeStolen) {
  LocalQueue queue;
  queue.push({{7, 8}}, false);
  EXPECT_EQ(queue.steal_back_half(), (std::vector<IndexRange>{{7, 8}}));
  EXPECT_TRUE(queue.empty());
  EXPECT_TRUE(queue.steal_back_half().empty());
}

TEST(LocalQueue, StolenWorkIsMarked) {
  LocalQueue queue;
  queue.push({{0, 1}}, false);
  queue.push({{4, 5}}, true);
  EXPECT_FALSE(queue.pop_front()->stolen);
  EXPECT_TRUE(queue.pop_front()->stolen);
}

TEST(VictimSelector, NeverPicksItselfAndReplaysForASeed) {
  VictimSelector a(2, 5, 42);
  VictimSelector b(2, 5, 42);
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 200; ++i) {
    const auto victim = a.next();
    EXPECT_EQ(victim, b.next());
    EXPECT_NE(victim, 2u);
    EXPECT_LT(victim, 5u);
    seen.insert(victim);
  }
  EXPECT_EQ(seen, (std::set<std::uint32_t>{0, 1, 3, 4}));
  EXPECT_FALSE(VictimSelector(0, 1, 1).has_victims());
}

TEST(Backoff, SpinsAfterActivityThenDoublesUpToTheCap) {
  using us = std::chrono::microseconds;
  Backoff::Clock::time_point now{};
  int clock_reads = 0;
  auto clock = [&] {
    ++clock_reads;
    return now;
  };
  Backoff backoff(us(100), us(10), us(40));
  backoff.reset();
  EXPECT_EQ(backoff.next(clock), us(0));  // the spin window starts here
  now += us(99);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(backoff.next(clock), us(0));
  EXPECT_LT(clock_reads, 5);  // the clock is read only every few polls
  now += us(1);
  std::vector<us> pauses;
  for (int i = 0; i < 40; ++i) {
    if (const auto pause = backoff.next(clock); pause > us(0)) pauses.push_back(pause);
  }
  ASSERT_GE(pauses.size(), 4u);
  EXPECT_EQ(pauses[0], us(10));
  EXPECT_EQ(pauses[1], us(20));
  EXPECT_EQ(pauses[2], us(40));
  EXPECT_EQ(pauses[3], us(40));
  backoff.reset();
  EXPECT_EQ(backoff.next(clock), us(0));
}

TEST(CompletionTracker, RefusesDuplicatesAndStrangers) {
  CompletionTracker tracker(3);
  EXPECT_TRUE(tracker.record(1));
  EXPECT_FALSE(tracker.record(1));
  EXPECT_FALSE(tracker.record(3));
  EXPECT_TRUE(tracker.record(0));
  EXPECT_FALSE(tracker.all_done());
  EXPECT_TRUE(tracker.record(2));
  EXPECT_TRUE(tracker.all_done());
}

TEST(LocalQueue, PinnedPartitionsRunFirstAndAreNeverStolen) {
  LocalQueue queue;
  queue.push({{0, 4}}, false);
  queue.push({{9, 10}}, false, true);
  EXPECT_EQ(queue.size(), 5u);
  // Half of the four unpinned, from the back.
  EXPECT_EQ(queue.steal_back_half(), (std::vector<IndexRange>{{2, 4}}));
  EXPECT_EQ(queue.steal_back_half(), (std::vector<IndexRange>{{1, 2}}));
  EXPECT_EQ(queue.steal_back_half(), (std::vector<IndexRange>{{0, 1}}));
  EXPECT_EQ(queue.steal_back_half(), std::vector<IndexRange>{});
  ASSERT_EQ(queue.size(), 1u);
  const auto item = queue.pop_front();
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->id, 9u);
  EXPECT_TRUE(item->pinned);
  queue.return_front({*item});
  EXPECT_EQ(queue.steal_back_half(), std::vector<IndexRange>{}) << "a returned pinned partition stays pinned";
}

TEST(RetryRule, RetriesGoWhereThePartitionHasNotFailedAndStopAfterTheLimit) {
  RetryRule rule(2);
  const auto everyone = [](std::uint32_t) { return true; };
  const std::vector<std::uint64_t> queued{0, 5, 1};
  const auto load = [&](std::uint32_t w) { return queued[w]; };
  EXPECT_EQ(rule.attempts(7, true), 1);
  EXPECT_TRUE(rule.failed(7, 0));
  EXPECT_EQ(rule.worker_for(7, 3, everyone, load), 2u) << "the least loaded worker that has not failed it";
  EXPECT_TRUE(rule.failed(7, 2));
  EXPECT_EQ(rule.worker_for(7, 3, everyone, load), 1u);
  EXPECT_FALSE(rule.failed(7, 1)) << "three attempts with retries = 2";
  EXPECT_EQ(rule.attempts(7, false), 3);
  EXPECT_EQ(rule.worker_for(7, 3, everyone, load), 0u) << "all have failed it: the least loaded";
  EXPECT_EQ(rule.worker_for(7, 3, [](std::uint32_t w) { return w == 1; }, load), 1u);
  EXPECT_EQ(rule.worker_for(7, 3, [](std::uint32_t) { return false; }, load), std::nullopt);
  rule.new_round();
  EXPECT_EQ(rule.attempts(7, true), 1);
}

TEST(RetryRule, APartitionHeldByTooManyLostWorkersIsPoison) {
  RetryRule rule(1);
  EXPECT_TRUE(rule.lost_with(3));
  EXPECT_FALSE(rule.lost_with(3));
  RetryRule resumed(2);
  EXPECT_FALSE(resumed.lost_with(4, 2)) << "two losses in earlier runs, the journal says";
}

}  // namespace
}  // namespace kdsched::scheduling
