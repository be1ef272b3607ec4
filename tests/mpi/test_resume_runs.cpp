#include "io/result_file.hpp"
#include "mpi/harness.hpp"
#include "mpi/processes.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

namespace kdsched::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Batches in a journal, read as another process would while the run writes it; -1 when there
// is no journal (yet, or any more) or it cannot be read.
int journal_batches(const fs::path& journal) {
  if (!fs::exists(journal)) return -1;
  sqlite3* db = nullptr;
  int batches = -1;
  if (sqlite3_open_v2(journal.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM batches", -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      batches = sqlite3_column_int(statement, 0);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return batches;
}

// The job of each case: `{output}` is where the result goes, so that an uninterrupted run of
// the same job can write beside it.
struct Case {
  const char* label;
  const char* job;
  int batches_before_kill;  // k-means: killed after a few rounds have ended, mid-iterations
};

// A run started in the background, and killed or signalled while it runs.
class BackgroundRun : public EndToEnd {
 protected:
  void TearDown() override {
    // Nothing this test started may survive it, even when it fails.
    if (launched_ > 0) kill_run();
    EndToEnd::TearDown();
  }

  // Starts `kdsched run JOB` in a process group of its own (through mpiexec when ranks > 0).
  void launch(int ranks, const std::string& job) {
    std::vector<std::string> args;
    if (ranks > 0) args = {KDSCHED_MPIEXEC, "--oversubscribe", "-n", std::to_string(ranks)};
    for (const char* arg : {KDSCHED_BINARY, "run", job.c_str(), "--progress", "off"}) args.emplace_back(arg);
    launched_ = start_process(dir_, args, "/dev/null", path("killed.err"), true);
    ASSERT_GT(launched_, 0) << "cannot start " << args.front();
  }

  // Once the journal holds `batches` batches, SIGKILLs the whole process group of the run;
  // returns only when every process of it is gone.
  void kill_once_journaled(const fs::path& journal, int batches) {
    const auto deadline = Clock::now() + std::chrono::seconds(90);
    bool ended = false;
    while (Clock::now() < deadline && journal_batches(journal) < batches) {
      if (waitpid(launched_, nullptr, WNOHANG) == launched_) {
        ended = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_FALSE(ended) << "the run ended before its journal had " << batches << " batches: " << read_text(path("killed.err"));
    ASSERT_GE(journal_batches(journal), batches) << "no journal within the deadline";
    kill_run();
  }

  // SIGKILLs the process group of the run and those of its ranks; returns when all are gone.
  void kill_run() {
    std::vector<pid_t> groups = children_of(launched_);
    groups.push_back(launched_);
    for (const pid_t group : groups) kill(-group, SIGKILL);
    waitpid(launched_, nullptr, 0);
    launched_ = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    const auto any_alive = [&] { return std::any_of(groups.begin(), groups.end(), group_alive); };
    while (Clock::now() < deadline && any_alive()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(any_alive()) << "a process of the killed run is left";
  }

  pid_t launched_ = 0;
};

class Resume : public BackgroundRun, public ::testing::WithParamInterface<std::tuple<Case, int>> {};

void write_inputs(const fs::path& folder) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0.0, 1.0);
  const std::uint64_t rows = 3000;
  const std::uint64_t cols = 2;
  std::vector<double> values(rows * cols);
  for (auto& v : values) v = noise(rng);
  write_dataset(folder / "data.h5", "/values", io::ElementType::f64, rows, cols, 100, values);
}

// Every numeric dataset of /result, as bytes, by name.
std::map<std::string, std::string> result_bytes(const fs::path& file) {
  const io::ResultFile result(file);
  std::map<std::string, std::string> bytes;
  for (const auto& name : result.members("/result")) {
    std::vector<std::uint64_t> dims;
    const auto values = result.read_f64("/result/" + name, &dims);
    std::string text(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
    for (const auto dim : dims) text += fmt::format("|{}", dim);
    bytes[name] = text;
  }
  return bytes;
}

// Every (round, id) exactly once, every round complete.
void expect_each_id_once_per_round(const fs::path& file, std::uint64_t partitions, std::size_t expected_records) {
  const auto records = io::ResultFile(file).read_partitions();
  EXPECT_EQ(records.size(), expected_records);
  std::map<std::pair<std::uint32_t, std::uint64_t>, int> seen;
  for (const auto& r : records) ++seen[{r.round, r.id}];
  for (const auto& [key, count] : seen) {
    EXPECT_EQ(count, 1) << "round " << key.first << " partition " << key.second;
    EXPECT_LT(key.second, partitions);
  }
  EXPECT_EQ(seen.size(), records.size());
  EXPECT_EQ(records.size() % partitions, 0u);
}

TEST_P(Resume, KilledRunResumesToTheUninterruptedResult) {
  const auto& [kind, ranks] = GetParam();
  write_inputs(dir_);
  write_text("full.toml", fmt::format(fmt::runtime(kind.job), fmt::arg("output", "full.h5")));
  write_text("job.toml", fmt::format(fmt::runtime(kind.job), fmt::arg("output", "result.h5")));
  const Completed full = run(ranks, {"run", "full.toml", "--progress", "off"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_FALSE(fs::exists(path("full.h5.journal"))) << "a successful run removes its journal";

  launch(ranks, "job.toml");
  kill_once_journaled(path("result.h5.journal"), kind.batches_before_kill);
  if (HasFatalFailure()) return;
  ASSERT_FALSE(fs::exists(path("result.h5")));

  const Completed resumed = run(ranks, {"run", "job.toml", "--resume", "--progress", "off"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_FALSE(fs::exists(path("result.h5.journal")));
  EXPECT_FALSE(fs::exists(path("result.h5.journal-wal")));
  const auto attributes = io::ResultFile(path("result.h5")).attributes("/");
  EXPECT_EQ(std::get<std::int64_t>(attributes.at("resumed")), 1);
  const auto from_journal = std::get<std::uint64_t>(attributes.at("partitions_from_journal"));
  EXPECT_GT(from_journal, 0u);
  EXPECT_EQ(std::get<std::int64_t>(io::ResultFile(path("full.h5")).attributes("/").at("resumed")), 0);
  // Only what the journal lacked ran again.
  std::uint64_t ran = 0;
  for (const auto& worker : io::ResultFile(path("result.h5")).read_workers()) ran += worker.partitions;
  EXPECT_EQ(ran + from_journal, io::ResultFile(path("full.h5")).read_partitions().size());

  EXPECT_EQ(result_bytes(path("result.h5")), result_bytes(path("full.h5")));
  // The partition count follows the input's chunks; the uninterrupted run tells it.
  const auto full_records = io::ResultFile(path("full.h5")).read_partitions();
  const auto partitions = static_cast<std::uint64_t>(
      std::count_if(full_records.begin(), full_records.end(), [](const auto& r) { return r.round == 0; }));
  expect_each_id_once_per_round(path("result.h5"), partitions, full_records.size());
}

// Each partition sleeps (spin by its cost, the others by inject_delay), so that a run lasts a
// few seconds and checkpoints every second in the meantime.
constexpr Case spin_case{"spin", R"([job]
name = "resumed"
output = "{output}"
[partition]
range = [0, 40]
count = 40
[kernel]
name = "spin"
cost = "const:150000"
[faults]
checkpoint_seconds = 1
)", 1};

constexpr Case stats_case{"stats", R"([job]
name = "resumed"
output = "{output}"
[input]
file = "data.h5"
dataset = "/values"
[partition]
count = 40
[kernel]
name = "stats"
[faults]
checkpoint_seconds = 1
inject_delay = 0.2
)", 1};

constexpr Case kmeans_case{"kmeans", R"([job]
name = "resumed"
output = "{output}"
[input]
file = "data.h5"
dataset = "/values"
[partition]
count = 40
[kernel]
name = "kmeans"
k = 4
seed = 3
tolerance = 0
max_iterations = 6
[faults]
checkpoint_seconds = 1
inject_delay = 0.02
)", 3};

INSTANTIATE_TEST_SUITE_P(Kernels, Resume,
                         ::testing::Combine(::testing::Values(spin_case, stats_case, kmeans_case), ::testing::Values(0, 3)),
                         [](const auto& info) {
                           return fmt::format("{}_n{}", std::get<0>(info.param).label, std::get<1>(info.param));
                         });

// A signal drains (spec §8): with a checkpoint interval far longer than the run, only the drain
// itself can have written the journal's batch, so a resumed run that takes outcomes from the
// journal proves the drain made them durable. Directly the run exits 5; mpiexec itself exits 1
// after SIGTERM or SIGINT (it passes them on as TERM), 5 after USR1 or USR2 (which it forwards).
constexpr const char* drained_job = R"([job]
name = "drained"
output = "{output}"
[partition]
range = [0, 1000]
count = 1000
[kernel]
name = "spin"
cost = "const:5000"
[faults]
checkpoint_seconds = 3600
)";

class Drain : public BackgroundRun {
 protected:
  // Signals the launched run once it has run for a while; returns its exit code, and how long
  // it took to end.
  std::pair<int, double> signal_after(double seconds, int signal) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const auto signalled = Clock::now();
    kill(launched_, signal);
    const auto deadline = signalled + std::chrono::seconds(20);
    int status = 0;
    while (waitpid(launched_, &status, WNOHANG) != launched_) {
      if (Clock::now() > deadline) return {-1, 20};
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    launched_ = 0;
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
            std::chrono::duration<double>(Clock::now() - signalled).count()};
  }
};

class DrainBySignal : public Drain, public ::testing::WithParamInterface<std::tuple<int, int>> {};

TEST_P(DrainBySignal, MakesTheJournalDurableAndLeavesNoOutput) {
  const auto& [signal, ranks] = GetParam();
  write_text("job.toml", fmt::format(fmt::runtime(drained_job), fmt::arg("output", "result.h5")));
  launch(ranks, "job.toml");
  const auto [code, took] = signal_after(1.2, signal);
  const bool forwarded = signal == SIGUSR1 || signal == SIGUSR2;
  EXPECT_EQ(code, ranks == 0 || forwarded ? 5 : 1) << read_text(path("killed.err"));
  // The ranks have one second (bench/chaos.sh measures it); mpirun passes TERM and INT on a
  // second late. The bounds here are loose, for a loaded machine: they catch a drain that waits
  // for something (a timeout, a worker) instead of ending.
  EXPECT_LT(took, forwarded || ranks == 0 ? 3.0 : 4.0);
  EXPECT_NE(read_text(path("killed.err")).find("interrupted by SIG"), std::string::npos) << read_text(path("killed.err"));
  EXPECT_FALSE(fs::exists(path("result.h5")));
  EXPECT_EQ(files_starting_with("result.h5.tmp"), std::vector<std::string>{});
  ASSERT_EQ(journal_batches(path("result.h5.journal")), 1) << "the drain writes what was merged";

  const Completed resumed = run(ranks, {"run", "job.toml", "--resume", "--progress", "off"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const io::ResultFile result(path("result.h5"));
  EXPECT_GT(std::get<std::uint64_t>(result.attributes("/").at("partitions_from_journal")), 0u);
  expect_each_id_once_per_round(path("result.h5"), 1000, 1000);
}

INSTANTIATE_TEST_SUITE_P(Signals, DrainBySignal,
                         ::testing::Combine(::testing::Values(SIGTERM, SIGINT, SIGUSR1, SIGUSR2), ::testing::Values(0, 3)),
                         [](const auto& info) {
                           return fmt::format("{}_n{}", sigabbrev_np(std::get<0>(info.param)), std::get<1>(info.param));
                         });

// A signal to one rank alone drains the whole job: a worker asks the master to.
TEST_F(Drain, ASignalToOneWorkerDrainsTheJob) {
  write_text("job.toml", fmt::format(fmt::runtime(drained_job), fmt::arg("output", "result.h5")));
  launch(3, "job.toml");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto ranks = children_of(launched_);
  const auto worker = std::find_if(ranks.begin(), ranks.end(),
                                   [](pid_t pid) { return has_environment(pid, "OMPI_COMM_WORLD_RANK=2"); });
  ASSERT_NE(worker, ranks.end());
  kill(*worker, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(launched_, &status, 0), launched_);
  launched_ = 0;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 5);
  EXPECT_NE(read_text(path("killed.err")).find("rank 2: interrupted by SIGTERM"), std::string::npos)
      << read_text(path("killed.err"));
  EXPECT_FALSE(fs::exists(path("result.h5")));
  EXPECT_EQ(journal_batches(path("result.h5.journal")), 1);
}

// The refusals of spec §8, on a journal left by a run that was killed.
class ResumeRules : public EndToEnd {
 protected:
  void SetUp() override {
    EndToEnd::SetUp();
    write_text("job.toml", fmt::format(fmt::runtime(spin_case.job), fmt::arg("output", "result.h5")));
  }
  // A journal of job.toml as a killed run leaves it: its job, no batches yet.
  void leave_journal() {
    const Completed started = run_shell("\"$KDSCHED\" run job.toml --progress off & pid=$!; "
                                        "while [ ! -s result.h5.journal ]; do sleep 0.05; done; sleep 0.3; kill -9 $pid; wait $pid; exit 0",
                                        60);
    ASSERT_EQ(started.exit_code, 0) << started.err;
    ASSERT_TRUE(fs::exists(path("result.h5.journal")));
    ASSERT_FALSE(fs::exists(path("result.h5")));
  }
};

TEST_F(ResumeRules, AJournalWithoutResumeIsRefusedNamingBothOptions) {
  leave_journal();
  const Completed refused = run(0, {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(refused.exit_code, 2);
  ASSERT_EQ(refused.error_lines().size(), 1u) << refused.err;
  EXPECT_NE(refused.err.find("--resume"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("result.h5.journal"), std::string::npos) << refused.err;
  EXPECT_TRUE(fs::exists(path("result.h5.journal"))) << "a refusal keeps the journal";
  EXPECT_FALSE(fs::exists(path("result.h5")));
}

TEST_F(ResumeRules, AJournalOfADifferentJobTextIsRefused) {
  leave_journal();
  write_text("job.toml", fmt::format(fmt::runtime(spin_case.job), fmt::arg("output", "result.h5")) + "inject_rank = 0\n");
  const Completed refused = run(0, {"run", "job.toml", "--resume", "--progress", "off"});
  EXPECT_EQ(refused.exit_code, 2);
  ASSERT_EQ(refused.error_lines().size(), 1u) << refused.err;
  EXPECT_NE(refused.err.find("result.h5.journal"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("job.toml"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("different job text"), std::string::npos) << refused.err;
  EXPECT_TRUE(fs::exists(path("result.h5.journal")));
  EXPECT_FALSE(fs::exists(path("result.h5")));
}

TEST_F(ResumeRules, ForceDiscardsTheJournalAndRunsFromTheStart) {
  leave_journal();
  const Completed forced = run(0, {"run", "job.toml", "--force", "--progress", "off"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  const auto attributes = io::ResultFile(path("result.h5")).attributes("/");
  EXPECT_EQ(std::get<std::int64_t>(attributes.at("resumed")), 0);
  EXPECT_EQ(std::get<std::uint64_t>(attributes.at("partitions_from_journal")), 0u);
  EXPECT_FALSE(fs::exists(path("result.h5.journal")));
}

TEST_F(ResumeRules, ResumeWithoutAJournalRunsFromTheStart) {
  const Completed run = this->run(3, {"run", "job.toml", "--resume", "--progress", "off"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const io::ResultFile result(path("result.h5"));
  EXPECT_EQ(std::get<std::int64_t>(result.attributes("/").at("resumed")), 0);
  EXPECT_EQ(std::get<std::uint64_t>(result.attributes("/").at("partitions_from_journal")), 0u);
  EXPECT_EQ(result.read_partitions().size(), 40u);
  EXPECT_FALSE(fs::exists(path("result.h5.journal")));
}

TEST_F(ResumeRules, ARuntimeErrorKeepsTheJournalForResume) {
  write_text("job.toml", fmt::format(fmt::runtime(spin_case.job), fmt::arg("output", "result.h5")) +
                             "inject_error = \"grant\"\ninject_rank = 2\n");
  const Completed failed = run(3, {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(failed.exit_code, 4) << failed.err;
  EXPECT_TRUE(fs::exists(path("result.h5.journal")));
  EXPECT_FALSE(fs::exists(path("result.h5")));
  const Completed refused = run(0, {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
}

TEST_F(ResumeRules, NoJournalKeepsNoneAndAKilledRunStartsOver) {
  const Completed killed = run_shell("\"$KDSCHED\" run job.toml --no-journal --progress off & pid=$!; sleep 1.5; "
                                     "test -e result.h5.journal && echo journal; kill -9 $pid; wait $pid; exit 0",
                                     60);
  ASSERT_EQ(killed.exit_code, 0) << killed.err;
  EXPECT_EQ(killed.out, "") << "a journal was written";
  EXPECT_FALSE(fs::exists(path("result.h5.journal")));
  const Completed again = run(0, {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(run(0, {"run", "job.toml", "--resume", "--no-journal"}).exit_code, 2);
}

TEST_F(ResumeRules, ResumeAndForceTogetherAreAUsageError) {
  const Completed run = this->run(0, {"run", "job.toml", "--resume", "--force", "--progress", "off"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_FALSE(fs::exists(path("result.h5")));
}

}  // namespace
}  // namespace kdsched::testing
