#include "scheduling/queue_estimates.hpp"
#include "scheduling/result_batching.hpp"

#include <gtest/gtest.h>

namespace kdsched::scheduling {
namespace {

TEST(QueueEstimates, NamesTheWorkerHoldingTheMost) {
  QueueEstimates queues(4);
  queues.granted(0, 10);
  queues.granted(1, 30);
  queues.granted(2, 30);
  // Ties go to the lowest index; the thief itself is never its own victim.
  EXPECT_EQ(queues.victim_for(3), 1u);
  // The steal moves the back half, rounded up: 15 of worker 1's 30 now count for worker 3.
  EXPECT_EQ(queues.queued(1), 15u);
  EXPECT_EQ(queues.queued(3), 15u);
  EXPECT_EQ(queues.victim_for(0), 2u);
  EXPECT_EQ(queues.queued(0), 25u);
}

TEST(QueueEstimates, ReportsReplaceTheEstimate) {
  QueueEstimates queues(3);
  queues.granted(0, 100);
  queues.reported(0, 0);  // worker 0 ran or gave away everything
  queues.granted(1, 1);
  EXPECT_EQ(queues.victim_for(2), 1u);
  EXPECT_EQ(queues.queued(1), 0u);
  EXPECT_FALSE(queues.victim_for(2).has_value()) << "nobody holds anything";
}

TEST(QueueEstimates, ASingleWorkerHasNoVictim) {
  QueueEstimates queues(1);
  queues.granted(0, 5);
  EXPECT_FALSE(queues.victim_for(0).has_value());
}

TEST(ResultBatching, DelayGrowsWithTheWorkersWithinBounds) {
  using std::chrono::milliseconds;
  EXPECT_EQ(ResultBatching::for_workers(1).max_delay, milliseconds(20));
  EXPECT_EQ(ResultBatching::for_workers(400).max_delay, milliseconds(20));
  EXPECT_EQ(ResultBatching::for_workers(4096).max_delay, std::chrono::microseconds(204800));
  EXPECT_EQ(ResultBatching::for_workers(100000).max_delay, milliseconds(500));
}

}  // namespace
}  // namespace kdsched::scheduling
