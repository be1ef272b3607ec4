#include "io/result_file.hpp"
#include "mpi/harness.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>

namespace kdsched::testing {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Partition 3 would spin for 30 s; partition_timeout stops it at 0.5 s, twice (retries = 1).
class PartitionTimeout : public EndToEnd, public ::testing::WithParamInterface<int> {};

TEST_P(PartitionTimeout, StopsTheSpinAndFailsThePartitionAfterEveryAttempt) {
  write_dataset(path("costs.h5"), "/costs", io::ElementType::f64, 6, 0, 1, {0.01, 0.01, 0.01, 30, 0.01, 0.01});
  write_text("job.toml", R"([job]
name = "timeouts"
output = "result.h5"
[input]
file = "costs.h5"
dataset = "/costs"
[partition]
count = 6
[kernel]
name = "spin"
costs_dataset = "/costs"
[faults]
partition_timeout = 0.5
retries = 1
)");
  const auto start = Clock::now();
  const Completed run = this->run(GetParam(), {"run", "job.toml", "--progress", "off"});
  EXPECT_LT(seconds_since(start), 25.0) << "the 30 s partition was not stopped";
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("1 of 6 partitions failed; the first: partition 3"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("timed out after 0.5 s (partition_timeout)"), std::string::npos) << run.err;
  const io::ResultFile result(path("result.h5"));
  for (const auto& p : result.read_partitions()) {
    EXPECT_EQ(p.status, p.id == 3 ? 1 : 0) << "partition " << p.id;
    EXPECT_EQ(p.attempts, p.id == 3 ? 2 : 1) << "partition " << p.id;
  }
}

INSTANTIATE_TEST_SUITE_P(Ranks, PartitionTimeout, ::testing::Values(0, 3), [](const auto& info) {
  return info.param == 0 ? std::string("singleton") : fmt::format("n{}", info.param);
});

TEST_F(EndToEnd, PartitionTimeoutKillsAnExternalCommand) {
  write_text("job.toml", R"([job]
name = "timeouts"
output = "result.h5"
[partition]
range = [0, 3]
[kernel]
name = "command"
argv = ["sh", "-c", "if [ $1 = 1 ]; then sleep 30; fi", "sh", "{partition}"]
[faults]
partition_timeout = 0.5
retries = 0
)");
  const auto start = Clock::now();
  const Completed run = this->run(2, {"run", "job.toml", "--progress", "off"});
  EXPECT_LT(seconds_since(start), 25.0);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("partition 1"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("timed out after 0.5 s"), std::string::npos) << run.err;
  EXPECT_EQ(io::ResultFile(path("result.h5")).read_partitions()[1].status, 1);
}

// Two partitions whose kernel ignores its deadline of 0.5 s: inject_delay sleeps 60 s before it.
constexpr const char* abandoned_job = R"([job]
name = "abandoned"
output = "result.h5"
[partition]
range = [0, 2]
[kernel]
name = "spin"
cost = "const:0"
[faults]
partition_timeout = 0.5
retries = 0
inject_delay = 60
)";

// A partition that ignores its deadline (inject_delay sleeps before the kernel, as a kernel that
// cannot be interrupted would) is abandoned: reported failed a second past the deadline, and the
// worker process ends without waiting for it.
TEST_F(EndToEnd, AKernelThatIgnoresTheDeadlineIsAbandoned) {
  write_text("job.toml", abandoned_job);
  const auto start = Clock::now();
  const Completed run = this->run(3, {"run", "job.toml", "--progress", "off"}, 50);
  EXPECT_LT(seconds_since(start), 30.0) << "the worker waited for the kernel";
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("its kernel did not stop, the attempt was abandoned"), std::string::npos) << run.err;
  for (const auto& p : io::ResultFile(path("result.h5")).read_partitions()) EXPECT_EQ(p.status, 1);
}

// A worker whose kernel is still running can run no further job: the batch ends after the job
// that abandoned it, saying so, instead of sending the next job to a worker that cannot take it.
TEST_F(EndToEnd, AKernelLeftRunningEndsTheBatch) {
  write_text("job.toml", abandoned_job);
  write_text("second.toml", R"([job]
name = "second"
output = "second.h5"
[partition]
range = [0, 4]
[kernel]
name = "spin"
cost = "const:0"
)");
  const auto start = Clock::now();
  const Completed run = this->run(3, {"run", "job.toml", "second.toml", "--progress", "off"}, 50);
  EXPECT_LT(seconds_since(start), 30.0) << "a worker waited for the kernel";
  EXPECT_EQ(run.exit_code, 4) << run.err;
  EXPECT_NE(run.err.find("left a kernel running during job.toml: the 1 job(s) after it are not run"), std::string::npos)
      << run.err;
  EXPECT_TRUE(std::filesystem::exists(path("result.h5")));
  EXPECT_FALSE(std::filesystem::exists(path("second.h5")));
}

// Rank 2 is a straggler: each of its partitions takes 30 s more. Once nothing is left to deal,
// an idle worker runs a copy of the one it holds; the first result is merged, the straggler's
// never arrives, and the job ends long before it would have.
TEST_F(EndToEnd, ACopyOfAStragglersPartitionEndsTheJob) {
  write_text("job.toml", R"([job]
name = "straggler"
output = "result.h5"
[partition]
range = [0, 40]
[kernel]
name = "spin"
cost = "const:20000"
mode = "sleep"
[schedule]
chunking = "fixed"
[faults]
inject_delay = 30
inject_rank = 2
)");
  const auto start = Clock::now();
  const Completed run = this->run(4, {"run", "job.toml", "--progress", "off"}, 100);
  EXPECT_LT(seconds_since(start), 25.0) << "the job waited for the straggler";
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const io::ResultFile result(path("result.h5"));
  const auto attributes = result.attributes("/");
  EXPECT_GE(std::get<std::uint64_t>(attributes.at("copies")), 1u);
  const auto records = result.read_partitions();
  ASSERT_EQ(records.size(), 40u);
  std::map<std::uint64_t, int> seen;
  for (const auto& r : records) {
    ++seen[r.id];
    EXPECT_NE(r.rank, 2) << "partition " << r.id << ": the straggler's result cannot have come first";
  }
  EXPECT_EQ(seen.size(), 40u);
  EXPECT_EQ(result.read_f64("/result/costs_s"), std::vector<double>(40, 0.02));
}

}  // namespace
}  // namespace kdsched::testing
