#include "simulation/simulator.hpp"

#include <gtest/gtest.h>

#include <random>

namespace kdsched::simulation {
namespace {

using job::Chunking;
using job::Order;
using job::Stealing;

SimulationConfig config(std::uint32_t workers, Chunking chunking, Stealing stealing, double latency_s = 0) {
  SimulationConfig c;
  c.workers = workers;
  c.chunking = chunking;
  c.stealing = stealing;
  c.latency_s = latency_s;
  c.overhead_s = 0;
  c.speculate = false;
  return c;
}

TEST(Simulator, OneWorkerAsksForTheNextGrantWhileItRuns) {
  // Grant {0} arrives at 0.5; asking on the pop, at 0.5, brings {1} at 1.5, just as 0 ends.
  // With nothing left to deal the worker asks again at once, as the runtime's does (the master
  // may have a copy to run): an empty grant at 2.5, and the next one, asked for then, at 3.5.
  const auto r = simulate(config(1, Chunking::fixed, Stealing::off, 0.5), {1.0, 2.0});
  EXPECT_DOUBLE_EQ(r.makespan_s, 3.0);
  EXPECT_DOUBLE_EQ(r.efficiency, 1.0);
  EXPECT_EQ(r.grants, 4u);
}

TEST(Simulator, StaticBlocksWithoutStealing) {
  // Blocks {0, 1} and {2, 3}: worker 0 runs 4 + 1, worker 1 is idle after 2.
  const auto r = simulate(config(2, Chunking::static_block, Stealing::off), {4, 1, 1, 1});
  EXPECT_DOUBLE_EQ(r.makespan_s, 5.0);
  EXPECT_DOUBLE_EQ(r.efficiency, 7.0 / 10.0);
  EXPECT_DOUBLE_EQ(r.lower_bound_s, 4.0);
  EXPECT_EQ(r.steals, 0u);
}

TEST(Simulator, AThiefTakesTheQueuedPartitionButNotTheOneInProgress) {
  // At t = 1 worker 1 starts its last partition and, its queue empty, steals partition 1 from
  // worker 0, which is inside partition 0 until t = 4. Either kind of stealing gets there.
  for (const Stealing stealing : {Stealing::random, Stealing::master}) {
    const auto r = simulate(config(2, Chunking::static_block, stealing), {4, 1, 1, 1});
    EXPECT_DOUBLE_EQ(r.makespan_s, 4.0) << job::to_string(stealing);
    EXPECT_EQ(r.steals, 1u) << job::to_string(stealing);
  }
}

TEST(Simulator, LongestFirstStartsTheLongPartitionEarly) {
  // fifo: 0 and 1 first, then 2 and 3; partition 3 (4 s) starts at 1 and ends at 5.
  auto c = config(2, Chunking::fixed, Stealing::random);
  EXPECT_DOUBLE_EQ(simulate(c, {1, 1, 1, 4}).makespan_s, 5.0);
  // lpt: 3 starts at once; the other worker runs 0 and 2, then steals 1 from the first's queue.
  c.order = Order::lpt;
  EXPECT_DOUBLE_EQ(simulate(c, {1, 1, 1, 4}).makespan_s, 4.0);
}

TEST(Simulator, TheMasterHandlesOneMessageAtATime) {
  // Two workers, chunk 1, partitions that cost nothing, and a master that spends 1 ms on each
  // message. First grants arrive at 1 and 2 ms; the requests sent then are queued behind them
  // and answered with {2} at 4 and {3} at 6 ms (the last partition). Both workers then ask
  // again, with their results, and are answered with empty grants, until every result is in.
  auto c = config(2, Chunking::fixed, Stealing::off);
  c.overhead_s = 1e-3;
  const auto r = simulate(c, std::vector<double>(4, 0.0));
  EXPECT_EQ(r.grants, 7u);
  EXPECT_EQ(r.master_messages, 13u);
  EXPECT_NEAR(r.makespan_s, 5e-3, 1e-15);  // from the first start (1 ms) to the last (6 ms)
}

TEST(Simulator, ReplaysExactlyForASeed) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> cost(-5.0, 1.5);
  std::vector<double> costs(5000);
  for (auto& c : costs) c = cost(rng);
  for (const Stealing stealing : {Stealing::random, Stealing::master}) {
    auto c = config(16, Chunking::static_block, stealing, 1e-5);
    c.seed = 11;
    const auto a = simulate(c, costs);
    const auto b = simulate(c, costs);
    EXPECT_EQ(a.makespan_s, b.makespan_s);
    EXPECT_EQ(a.master_messages, b.master_messages);
    EXPECT_EQ(a.steal_attempts, b.steal_attempts);
    EXPECT_GT(a.steals, 0u);
    EXPECT_GE(a.makespan_s, a.lower_bound_s);
  }
}

TEST(Simulator, EveryPolicyFinishesAndRespectsTheBound) {
  std::vector<double> costs(997);
  for (std::size_t i = 0; i < costs.size(); ++i) costs[i] = 1e-3 * static_cast<double>(1 + (i * 7919) % 13);
  for (int chunking = 0; chunking <= static_cast<int>(Chunking::adaptive); ++chunking) {
    for (const Stealing stealing : {Stealing::off, Stealing::random, Stealing::master}) {
      auto c = config(7, static_cast<Chunking>(chunking), stealing, 2e-6);
      const auto r = simulate(c, costs);
      EXPECT_EQ(r.partitions, costs.size());
      EXPECT_GE(r.makespan_s, r.lower_bound_s * (1 - 1e-12));
      EXPECT_GT(r.efficiency, 0.5);
    }
  }
}

// Rank 1 dies at 0.55 s inside partition 0, holding 2 queued. The master finds it lost about
// 1 s (worker_timeout) later; rank 2, busy until 2 s with its own 1 and 3, then runs 0 and 2
// again: 4 s, half the machine idle, and 0.55 s of rank 1's work wasted.
TEST(Simulator, ALostWorkersPartitionsAreDealtAgain) {
  auto c = config(2, Chunking::fixed, Stealing::off);
  c.worker_timeout_s = 1;
  c.faults = {{0, 0.55}};
  const auto r = simulate(c, {1, 1, 1, 1});
  EXPECT_TRUE(r.complete);
  EXPECT_DOUBLE_EQ(r.makespan_s, 4.0);
  EXPECT_DOUBLE_EQ(r.efficiency, 0.5);
  EXPECT_EQ(r.lost_workers, 1u);
  EXPECT_EQ(r.dealt_again, 2u);
  EXPECT_EQ(r.rerun, 1u);  // partition 0 ran twice; 2 never started on rank 1
  EXPECT_NEAR(r.wasted_s, 0.55, 1e-12);
}

// A stop shorter than worker_timeout only delays: partition 0 pauses from 0.5 to 0.8 s.
TEST(Simulator, AShortStopDelaysAndLosesNothing) {
  auto c = config(2, Chunking::fixed, Stealing::off);
  c.worker_timeout_s = 1;
  c.faults = {{0, 0.5, 0.3}};
  const auto r = simulate(c, {1, 1});
  EXPECT_DOUBLE_EQ(r.makespan_s, 1.3);
  EXPECT_EQ(r.lost_workers, 0u);
  EXPECT_EQ(r.rerun, 0u);
}

// A stop longer than worker_timeout is a loss. Out of work, rank 1 asks the master every steal
// backoff (20 ms) while it runs, so the master last heard it at the check of 0.6 s; stopped at
// 0.55 s, it is found silent at 1.6 or 1.7 s, and its partition 0 runs again on rank 2 (idle
// since 1 s): the job ends at 2.6 to 2.7 s, and 0.55 s of rank 1's work is wasted.
TEST(Simulator, ALongStopIsALoss) {
  auto c = config(2, Chunking::fixed, Stealing::off);
  c.worker_timeout_s = 1;
  c.faults = {{0, 0.55, 100}};
  const auto r = simulate(c, {1, 1});
  EXPECT_EQ(r.lost_workers, 1u);
  EXPECT_GE(r.makespan_s, 2.6 - 1e-9);
  EXPECT_LE(r.makespan_s, 2.7 + 1e-9);
  EXPECT_NEAR(r.wasted_s, 0.55, 1e-12);
}

// Rank 1 runs twice as slowly: static blocks give it {0, 1}, 4 s; a thief takes 1 from its
// queue at 1 s and the job ends at 3 s.
TEST(Simulator, ASlowWorkerIsRelievedByStealing) {
  auto c = config(2, Chunking::static_block, Stealing::off);
  c.slowdown = {2, 1};
  EXPECT_DOUBLE_EQ(simulate(c, {1, 1, 1, 1}).makespan_s, 4.0);
  c.stealing = Stealing::random;
  EXPECT_DOUBLE_EQ(simulate(c, {1, 1, 1, 1}).makespan_s, 3.0);
}

// Rank 1 is four times slower and holds partition 0 (expected to end at 1 s, the median) from
// 0 to 4 s. Idle from 1 s, rank 2 asks the master every steal backoff (at most 20 ms apart);
// once partition 0 is twice its expected time old (2 s), it gets a copy, which ends about 3 s.
TEST(Simulator, SpeculationCopiesAStragglersPartition) {
  auto c = config(2, Chunking::fixed, Stealing::off);
  c.slowdown = {4, 1};
  const auto plain = simulate(c, {1, 1});
  EXPECT_DOUBLE_EQ(plain.makespan_s, 4.0);
  EXPECT_EQ(plain.copies, 0u);
  c.speculate = true;
  const auto r = simulate(c, {1, 1});
  EXPECT_EQ(r.copies, 1u);
  EXPECT_GE(r.makespan_s, 3.0);
  EXPECT_LE(r.makespan_s, 3.03);
  EXPECT_NEAR(r.wasted_s, r.makespan_s, 1e-9);  // the original ran from 0 to the end, for nothing
}

TEST(Simulator, NothingToRun) {
  const auto r = simulate(config(4, Chunking::guided, Stealing::random), {});
  EXPECT_EQ(r.makespan_s, 0.0);
  EXPECT_EQ(r.partitions, 0u);
}

}  // namespace
}  // namespace kdsched::simulation
