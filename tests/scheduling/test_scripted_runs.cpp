#include "scheduling/completion_tracker.hpp"
#include "scheduling/dealer.hpp"
#include "scheduling/local_queue.hpp"
#include "scheduling/victim_selector.hpp"

#include <gtest/gtest.h>

#include <random>

namespace kdsched::scheduling {
namespace {

using job::Chunking;

// Drives the real policy objects through a random but seeded interleaving of worker actions —
// run a partition, ask the master, steal — and checks that every partition runs exactly once
// and that the run ends.
struct ScriptedRun {
  std::uint64_t partitions;
  std::uint32_t workers;
  Chunking chunking;
  bool stealing;
  std::uint64_t seed;

  std::uint64_t steals = 0;
  std::vector<int> runs;

  void play() {
    Dealer dealer(partitions, workers, chunking, 2);
    std::vector<LocalQueue> queues(workers);
    std::vector<VictimSelector> victims;
    for (std::uint32_t w = 0; w < workers; ++w) victims.emplace_back(w, workers, seed);
    for (const auto& grant : dealer.initial_grants()) queues[grant.worker].push(grant.ranges, false);

    CompletionTracker tracker(partitions);
    runs.assign(partitions, 0);
    std::mt19937_64 rng(seed);
    std::uint64_t actions = 0;
    while (!tracker.all_done()) {
      ASSERT_LT(++actions, 100 * partitions + 1000) << "no progress: the run would hang";
      const auto w = static_cast<std::uint32_t>(rng() % workers);
      if (auto item = queues[w].pop_front()) {
        ++runs[item->id];
        ASSERT_TRUE(tracker.record(item->id)) << "partition " << item->id << " ran twice";
      } else if (!dealer.exhausted()) {
        std::vector<IndexRange> ids;
        dealer.next_grant(w, ids);
        queues[w].push(ids, false);
      } else if (stealing && victims[w].has_victims()) {
        const auto loot = queues[victims[w].next()].steal_back_half();
        steals += !loot.empty();
        queues[w].push(loot, true);
      } else {
        // Without stealing an idle worker just waits; some other worker still holds the work.
      }
    }
    for (std::uint64_t id = 0; id < partitions; ++id) ASSERT_EQ(runs[id], 1) << "partition " << id;
  }
};

TEST(ScriptedRuns, EveryPolicyRunsEveryPartitionExactlyOnce) {
  const Chunking policies[] = {Chunking::static_block, Chunking::cyclic,    Chunking::fixed,   Chunking::guided,
                               Chunking::factoring,    Chunking::trapezoid, Chunking::adaptive};
  for (const auto chunking : policies) {
    for (const bool stealing : {false, true}) {
      for (const std::uint32_t workers : {1u, 2u, 3u, 8u}) {
        for (const std::uint64_t partitions : {0ull, 1ull, 7ull, 500ull}) {
          ScriptedRun run{partitions, workers, chunking, stealing, partitions * 31 + workers};
          run.play();
          if (HasFatalFailure()) {
            FAIL() << job::to_string(chunking) << " stealing=" << stealing << " W=" << workers << " N=" << partitions;
          }
        }
      }
    }
  }
}

TEST(ScriptedRuns, StealingMovesWorkWhenTheDealIsUneven) {
  ScriptedRun run{400, 4, Chunking::static_block, true, 7};
  run.play();
  EXPECT_GT(run.steals, 0u);
}

}  // namespace
}  // namespace kdsched::scheduling
