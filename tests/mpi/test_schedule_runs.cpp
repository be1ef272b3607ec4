#include "io/result_file.hpp"
#include "mpi/harness.hpp"
#include "mpi/ledger.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace kdsched::testing {
namespace {

const char* const chunkings[] = {"static", "cyclic", "fixed", "guided", "factoring", "trapezoid", "adaptive"};
const char* const stealings[] = {"off", "random", "master"};

class ScheduleMatrix : public ScheduleTest, public ::testing::WithParamInterface<int> {};

// Every policy with every kind of stealing, on random costs: each partition runs exactly once,
// every steal is counted on both sides, and nothing moves without stealing.
TEST_P(ScheduleMatrix, EveryPolicyAndStealingRunsEachPartitionOnce) {
  for (const char* chunking : chunkings) {
    for (const char* stealing : stealings) {
      SCOPED_TRACE(fmt::format("chunking {}, stealing {}", chunking, stealing));
      const std::string schedule = fmt::format("chunking = \"{}\"\nchunk = 2\nstealing = \"{}\"", chunking, stealing);
      const Ledger ledger = run_once_each(GetParam(), spin_job(0, 240, schedule), 240);
      if (HasFailure()) return;
      EXPECT_EQ(ledger.steals_sent, ledger.steals_received);
      EXPECT_EQ(ledger.stolen > 0, ledger.steals_received > 0);
      EXPECT_LE(ledger.steals_received, ledger.steal_attempts);
      if (std::string_view(stealing) == "off") EXPECT_EQ(ledger.steal_attempts, 0u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ranks, ScheduleMatrix, ::testing::Values(2, 4, 8), [](const auto& info) {
  return fmt::format("n{}", info.param);
});

using ScheduleCases = ScheduleTest;

TEST_F(ScheduleCases, TheMasterNamesVictimsWhenADealIsUneven) {
  // A static deal of lognormal costs over 3 workers leaves some idle long before the others.
  const Ledger ledger = run_once_each(4, spin_job(0, 900, "chunking = \"static\"\nstealing = \"master\""), 900);
  if (HasFailure()) return;
  EXPECT_GT(ledger.steals_received, 0u);
  EXPECT_EQ(ledger.steals_sent, ledger.steals_received);
  EXPECT_GE(ledger.steal_attempts, ledger.steals_received);
  double wait_s = 0;
  for (const auto& w : ledger.workers) wait_s += w.steal_wait_s;
  EXPECT_GT(wait_s, 0.0);
  EXPECT_LT(wait_s / static_cast<double>(ledger.steal_attempts), 0.5) << "a steal is answered promptly";
}

// With one worker, partitions start in the order they are dealt.
std::vector<std::uint64_t> ids_by_start(const std::filesystem::path& file) {
  auto partitions = io::ResultFile(file).read_partitions();
  std::sort(partitions.begin(), partitions.end(), [](const auto& a, const auto& b) { return a.start_s < b.start_s; });
  std::vector<std::uint64_t> ids;
  for (const auto& p : partitions) ids.push_back(p.id);
  return ids;
}

// Ids sorted by decreasing cost, equal costs by id.
std::vector<std::uint64_t> longest_first(const std::vector<double>& costs) {
  std::vector<std::uint64_t> ids(costs.size());
  std::iota(ids.begin(), ids.end(), 0);
  std::stable_sort(ids.begin(), ids.end(), [&](auto a, auto b) { return costs[a] > costs[b]; });
  return ids;
}

TEST_F(ScheduleCases, LongestFirstFollowsTheSpinCosts) {
  write_text("job.toml", spin_job(0, 60, "chunking = \"guided\"\norder = \"lpt\""));
  const Completed run = this->run(2, {"run", "job.toml", "--progress", "off"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto costs = io::ResultFile(path("result.h5")).read_f64("/result/costs_s");
  EXPECT_EQ(ids_by_start(path("result.h5")), longest_first(costs));
}

TEST_F(ScheduleCases, LongestFirstFollowsThePreviousRunsTimes) {
  // The first run measures: partition i sleeps costs[i]. The second has no cost hint of its own
  // (equal costs) and takes the order from the first one's /partitions.
  // 4 ms apart, so that a sleep overshooting on a loaded machine cannot swap two of them.
  const std::vector<double> costs{0.004, 0.020, 0.008, 0.028, 0.0, 0.012, 0.024, 0.016};
  write_dataset(path("costs.h5"), "/costs", io::ElementType::f64, costs.size(), 0, 0, costs);
  write_text("measure.toml", costs_job("measure", "costs_dataset = \"/costs\"", "chunking = \"fixed\""));
  ASSERT_EQ(this->run(2, {"run", "measure.toml", "--progress", "off"}).exit_code, 0);
  write_text("again.toml", costs_job("again", "cost = \"const:100\"",
                                      "chunking = \"fixed\"\norder = \"lpt\"\ncosts_from = \"measure.h5\""));
  const Completed run = this->run(2, {"run", "again.toml", "--progress", "off"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ids_by_start(path("again.h5")), longest_first(costs));
}

TEST_F(ScheduleCases, CostsFromErrors) {
  write_text("short.toml", spin_job(0, 5, "chunking = \"guided\""));
  ASSERT_EQ(this->run(0, {"run", "short.toml", "--progress", "off"}).exit_code, 0);
  std::filesystem::rename(path("result.h5"), path("short.h5"));

  write_text("job.toml", spin_job(0, 10, "order = \"lpt\"\ncosts_from = \"short.h5\""));
  Completed run = this->run(2, {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("has the times of 5 partitions; this job has 10"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(path("result.h5")));

  write_text("job.toml", spin_job(0, 10, "costs_from = \"short.h5\""));
  run = this->run(0, {"validate", "job.toml"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("job.toml:13:14: [schedule] costs_from needs order = \"lpt\""), std::string::npos) << run.err;

  write_text("job.toml", spin_job(0, 10, "order = \"lpt\"\ncosts_from = \"absent.h5\""));
  run = this->run(2, {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("absent.h5"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(path("result.h5")));
}

}  // namespace
}  // namespace kdsched::testing
