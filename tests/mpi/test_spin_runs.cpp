#include "io/result_file.hpp"
#include "mpi/harness.hpp"
#include "mpi/ledger.hpp"

#include <fmt/format.h>

#include <numeric>

namespace kdsched::testing {
namespace {

class SpinRun : public ScheduleTest, public ::testing::WithParamInterface<int> {};

TEST_P(SpinRun, RandomStealingRunsEveryPartitionOnceAndMovesWork) {
  const int ranks = GetParam();
  // A static deal of lognormal costs is uneven, so idle workers must steal to finish.
  const Ledger ledger = run_once_each(ranks, spin_job(0, 1500, "chunking = \"static\"\nstealing = \"random\""), 1500);
  if (HasFailure()) return;
  EXPECT_EQ(ledger.steals_sent, ledger.steals_received);
  if (ranks >= 3) {
    EXPECT_GT(ledger.steals_received, 0u);
    EXPECT_GT(ledger.stolen, 0u);
  }

  const io::ResultFile result(path("result.h5"));
  const auto costs = result.read_f64("/result/costs_s");
  const auto total = result.read_f64("/result/total_cost_s");
  ASSERT_EQ(costs.size(), 1500u);
  EXPECT_NEAR(total.at(0), std::accumulate(costs.begin(), costs.end(), 0.0), 1e-9);
  for (const auto& p : ledger.partitions) {
    EXPECT_GT(costs[p.id], 0.0);
    // Sleeping takes at least the cost.
    EXPECT_GE(p.end_s - p.start_s, costs[p.id] * 0.999) << "partition " << p.id;
  }
}

INSTANTIATE_TEST_SUITE_P(Ranks, SpinRun, ::testing::Values(2, 4, 8), [](const auto& info) {
  return fmt::format("n{}", info.param);
});

using SpinCases = ScheduleTest;

TEST_F(SpinCases, WithoutALauncherTheMasterRunsEverything) {
  const Ledger ledger = run_once_each(0, spin_job(10, 60, "chunking = \"guided\""), 50);
  ASSERT_EQ(ledger.workers.size(), 1u);
  EXPECT_EQ(ledger.workers[0].partitions, 50u);
  EXPECT_EQ(ledger.partitions.front().row_begin, 10u);
  EXPECT_EQ(ledger.partitions.back().row_end, 60u);
}

TEST_F(SpinCases, StealingOffMovesNothing) {
  const Ledger ledger = run_once_each(4, spin_job(0, 300, "chunking = \"static\"\nstealing = \"off\""), 300);
  EXPECT_EQ(ledger.steals_received, 0u);
  EXPECT_EQ(ledger.stolen, 0u);
  // static with 3 workers: each rank runs exactly its block of 100.
  for (const auto& p : ledger.partitions) EXPECT_EQ(p.rank, static_cast<int>(p.id / 100) + 1);
}

TEST_F(SpinCases, MoreWorkersThanPartitions) {
  run_once_each(8, spin_job(0, 3, "chunking = \"fixed\"\nchunk = 1"), 3);
}

TEST_F(SpinCases, AnEmptyRangeCompletesWithEmptyTables) {
  const Ledger ledger = run_once_each(4, spin_job(5, 5, "chunking = \"guided\""), 0);
  EXPECT_TRUE(ledger.partitions.empty());
  EXPECT_EQ(ledger.workers.size(), 4u);
}

TEST_F(SpinCases, AVictimInALongPartitionStillGivesAwayItsQueue) {
  // Static deal over 3 workers: rank 1 holds partitions 0..99 and spends 3 s in partition 0. Its
  // other 99 partitions can only finish early if rank 1 answers steal requests meanwhile.
  std::vector<double> costs(300, 0.002);
  costs[0] = 3.0;
  write_dataset(path("costs.h5"), "/costs", io::ElementType::f64, 300, 0, 0, costs);
  const Ledger ledger = run_once_each(
      4, costs_job("result", "costs_dataset = \"/costs\"", "chunking = \"static\"\nstealing = \"random\""), 300);
  if (HasFailure()) return;
  double long_end = 0;
  std::uint64_t moved = 0;
  for (const auto& p : ledger.partitions) {
    if (p.id == 0) long_end = p.end_s;
    if (p.id > 0 && p.id < 100 && p.rank != 1) ++moved;
  }
  // All but a handful of the victim's queue ran elsewhere, and finished before its long partition.
  EXPECT_GE(moved, 90u);
  for (const auto& p : ledger.partitions) {
    if (p.id > 0 && p.rank != 1) EXPECT_LT(p.end_s, long_end) << "partition " << p.id;
  }
}

TEST_F(SpinCases, FailedPartitionsGiveExitOneAndAPartialResult) {
  for (const int ranks : {0, 4}) {
    std::filesystem::remove(path("result.h5"));
    write_text("job.toml", spin_job(0, 20, "chunking = \"fixed\"", "fail_partitions = [3, 7]"));
    const Completed run = this->run(ranks, {"run", "job.toml", "--progress", "off"});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    const auto errors = run.error_lines();
    ASSERT_EQ(errors.size(), 1u) << run.err;
    EXPECT_NE(errors[0].find("2 of 20 partitions failed"), std::string::npos) << errors[0];
    EXPECT_NE(errors[0].find("injected failure of partition 3"), std::string::npos) << errors[0];

    const io::ResultFile result(path("result.h5"));
    EXPECT_EQ(std::get<std::string>(result.attributes("/").at("status")), "partial");
    for (const auto& p : result.read_partitions()) EXPECT_EQ(p.status, (p.id == 3 || p.id == 7) ? 1 : 0);
  }
}

}  // namespace
}  // namespace kdsched::testing
