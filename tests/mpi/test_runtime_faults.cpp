#include "io/result_file.hpp"
#include "mpi/harness.hpp"
#include "mpi/ledger.hpp"
#include "mpi/processes.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <thread>

namespace kdsched::testing {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Two rounds (the first finds the range), so that round_start has a round to fail in.
std::string histogram_job(const std::string& faults) {
  return fmt::format(R"([job]
name = "faults"
output = "result.h5"
[input]
file = "data.h5"
dataset = "/points"
[partition]
count = 16
[kernel]
name = "histogram"
bins = 8
[faults]
{}
)", faults);
}

// Fixed-chunk spin partitions that sleep `cost_us` each, with the given stealing and worker_timeout.
std::string sleeping_job(int partitions, int cost_us, const std::string& stealing, int worker_timeout) {
  return fmt::format(R"([job]
name = "sleeping"
output = "result.h5"
[partition]
range = [0, {}]
[kernel]
name = "spin"
cost = "const:{}"
mode = "sleep"
[schedule]
chunking = "fixed"
stealing = "{}"
[faults]
worker_timeout = {}
)", partitions, cost_us, stealing, worker_timeout);
}

void write_points(const std::filesystem::path& file, std::uint64_t rows, std::uint64_t cols, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> values(rows * cols);
  for (std::uint64_t i = 0; i < values.size(); ++i) values[i] = normal(rng) + static_cast<double>(i % 7);
  write_dataset(file, "/points", io::ElementType::f64, rows, cols, 100, values);
}

// An exception on a worker's communication thread, wherever it happens, ends every rank with
// exit 4 and one error line, quickly, with no output left behind.
class InjectedError : public EndToEnd, public ::testing::WithParamInterface<std::tuple<int, std::string, int>> {};

TEST_P(InjectedError, EndsEveryRankWithOneErrorLine) {
  const auto [ranks, where, rank] = GetParam();
  write_points(path("data.h5"), 2000, 2, 1);
  write_text("job.toml", histogram_job(fmt::format("inject_error = \"{}\"\ninject_rank = {}", where, rank)));
  const auto start = Clock::now();
  const Completed run = this->run(ranks, {"run", "job.toml", "--progress", "off"}, 60);
  EXPECT_EQ(run.exit_code, 4) << run.err;
  const auto errors = run.error_lines();
  ASSERT_EQ(errors.size(), 1u) << run.err;
  EXPECT_NE(errors[0].find(fmt::format("injected error ({})", where)), std::string::npos) << errors[0];
  EXPECT_LT(seconds_since(start), 20.0) << "the spec allows 10 s per rank's exit; mpiexec adds start-up";
  EXPECT_FALSE(std::filesystem::exists(path("result.h5")));
  EXPECT_TRUE(files_starting_with("result.h5.tmp").empty());
}

INSTANTIATE_TEST_SUITE_P(Ranks, InjectedError,
                         ::testing::Combine(::testing::Values(2, 4),
                                            ::testing::Values("worker_start", "grant", "round_start"),
                                            ::testing::Values(0, 1)),
                         [](const auto& info) {
                           return fmt::format("n{}_{}_rank{}", std::get<0>(info.param), std::get<1>(info.param),
                                              std::get<2>(info.param));
                         });

// Starts `timeout 60 mpiexec LAUNCHER_ARGS... kdsched run JOBS... --progress off` in `dir`, in a
// process group of its own, with stdout and stderr in stdout.txt and stderr.txt there.
pid_t start_in_background(const std::filesystem::path& dir, const std::vector<std::string>& launcher_args,
                          const std::vector<std::string>& jobs = {"job.toml"}) {
  std::vector<std::string> words{"timeout", "-k", "5", "60", KDSCHED_MPIEXEC};
  words.insert(words.end(), launcher_args.begin(), launcher_args.end());
  words.insert(words.end(), {KDSCHED_BINARY, "run"});
  words.insert(words.end(), jobs.begin(), jobs.end());
  words.insert(words.end(), {"--progress", "off"});
  return start_process(dir, words, dir / "stdout.txt", dir / "stderr.txt", true);
}

// Whether the process this test started is still there; kills it if so, stopped or not, since a
// test never leaves a process of its own behind.
bool kill_if_alive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  kill(pid, SIGKILL);
  kill(pid, SIGCONT);
  return true;
}

// The first pid of MPI rank `rank` below `root`, waiting up to 20 s for it to appear.
std::optional<pid_t> wait_for_rank(pid_t root, int rank) {
  for (const auto deadline = Clock::now() + std::chrono::seconds(20); Clock::now() < deadline;) {
    if (const auto pids = ranks_below(root, rank); !pids.empty()) return pids.front();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

// Waits for a run started in the background in `dir` (under --enable-recovery) in which `rank`
// stops itself: the launcher must exit 0 within `bound_s` of the rank's appearance, and the
// stopped rank must be gone. Returns the run's stderr.
std::string await_with_a_stopped_worker(const std::filesystem::path& dir, pid_t child, int rank, double bound_s) {
  const auto worker = wait_for_rank(child, rank);
  EXPECT_TRUE(worker) << "rank " << rank << " never appeared";
  const auto started = Clock::now();
  int status = 0;
  EXPECT_EQ(waitpid(child, &status, 0), child);
  const std::string err = read_text(dir / "stderr.txt");
  if (worker) EXPECT_FALSE(kill_if_alive(*worker)) << "the stopped worker outlived the run";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << err;
  EXPECT_LT(seconds_since(started), bound_s) << err;
  return err;
}

// Twelve rounds of k-means over data.h5 (written by write_points) into `output`.
std::string kmeans_job(const std::string& output) {
  return fmt::format(R"([job]
name = "lost"
output = "{}"
[input]
file = "data.h5"
dataset = "/points"
[partition]
count = 40
[kernel]
name = "kmeans"
k = 4
seed = 3
tolerance = 0
max_iterations = 12
)", output);
}

// A lost worker (SIGKILL, or SIGSTOP like a hung node): the master notices its silence after
// worker_timeout, deals what it held to the others, and the job completes without it, exactly.
// Under --enable-recovery the launcher lets the survivors finish (it exits 0 whatever happened:
// the result's status tells); under a plain mpirun a killed rank ends the whole job (and
// --resume continues it, see the resume tests), while a stopped one is killed by the master on
// this host once the job is complete, and mpirun then reports that kill.
struct LostCase {
  const char* label;
  bool recovery;
  int signal;
  const char* kernel;  // "spin" or "kmeans" (rounds: the state goes to each survivor directly)
};

class LostWorker : public EndToEnd, public ::testing::WithParamInterface<LostCase> {};

TEST_P(LostWorker, TheJobCompletesWithoutItAndExactly) {
  const LostCase& c = GetParam();
  const bool kmeans = std::string(c.kernel) == "kmeans";
  const std::string faults = "[faults]\nworker_timeout = 2\n";
  if (kmeans) {
    write_points(path("data.h5"), 20000, 3, 11);
    write_text("full.toml", kmeans_job("full.h5"));
    const Completed full = run(3, {"run", "full.toml", "--progress", "off"});
    ASSERT_EQ(full.exit_code, 0) << full.err;
    write_text("job.toml", kmeans_job("result.h5") + faults + "inject_delay = 0.02\n");
  } else {
    write_text("job.toml", sleeping_job(300, 20000, "random", 2));
  }
  std::vector<std::string> launcher{"--oversubscribe", "-n", "4"};
  if (c.recovery) launcher.insert(launcher.begin(), "--enable-recovery");
  const pid_t child = start_in_background(dir_, launcher);
  ASSERT_GT(child, 0);
  const auto worker = wait_for_rank(child, 2);
  ASSERT_TRUE(worker) << "rank 2 of the run never appeared";
  std::this_thread::sleep_for(std::chrono::milliseconds(800));  // let it take part in the job
  const auto hit_at = Clock::now();
  ASSERT_EQ(kill(*worker, c.signal), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  const double seconds = seconds_since(hit_at);
  const bool worker_left = kill_if_alive(*worker);
  const std::string err = read_text(path("stderr.txt"));
  EXPECT_FALSE(worker_left) << "the lost worker outlived the job";
  if (c.recovery) {
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << err;
  }
  EXPECT_LT(seconds, 2 + 5 + 10.0) << "worker_timeout is 2 s";
  EXPECT_NE(err.find("rank 2 sent nothing for 2 s (worker_timeout)"), std::string::npos) << err;
  ASSERT_TRUE(std::filesystem::exists(path("result.h5"))) << err;
  const io::ResultFile result(path("result.h5"));
  EXPECT_EQ(std::get<std::string>(result.attributes("/").at("status")), "complete");
  for (const auto& row : result.read_workers()) EXPECT_EQ(row.lost, row.rank == 2 ? 1 : 0) << "rank " << row.rank;
  const auto records = result.read_partitions();
  std::map<std::pair<std::uint32_t, std::uint64_t>, int> seen;
  for (const auto& r : records) ++seen[{r.round, r.id}];
  for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << "round " << key.first << " partition " << key.second;
  if (kmeans) {
    const io::ResultFile full(path("full.h5"));
    EXPECT_EQ(records.size(), full.read_partitions().size());
    EXPECT_EQ(result.read_f64("/result/centroids"), full.read_f64("/result/centroids")) << "bitwise as without the loss";
    EXPECT_EQ(result.attributes("/result").at("inertia"), full.attributes("/result").at("inertia"));
  } else {
    EXPECT_EQ(records.size(), 300u);
    EXPECT_EQ(result.read_f64("/result/costs_s"), std::vector<double>(300, 0.02));
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, LostWorker,
                         ::testing::Values(LostCase{"recovery_sigkill", true, SIGKILL, "spin"},
                                           LostCase{"recovery_sigstop", true, SIGSTOP, "spin"},
                                           LostCase{"plain_sigstop", false, SIGSTOP, "spin"},
                                           LostCase{"recovery_sigkill_kmeans", true, SIGKILL, "kmeans"}),
                         [](const auto& info) { return std::string(info.param.label); });

// Rank 1 stops when round 1 is announced, before its state arrives: with 4 workers it passes
// the state on to rank 3 in the broadcast's binomial tree, so rank 3 would wait for it forever
// even though the broadcast has completed on the master (no copies: speculation is off, so the
// round cannot end without rank 3). Rank 3 goes on hearing the master meanwhile, and once rank 1
// is lost gets the state directly; the job completes, exactly.
TEST_F(EndToEnd, AWorkerStoppedInsideTheBroadcastTreeHoldsNoOneUp) {
  write_points(path("data.h5"), 20000, 3, 11);
  write_text("full.toml", kmeans_job("full.h5"));
  const Completed full = run(3, {"run", "full.toml", "--progress", "off"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  write_text("job.toml", kmeans_job("result.h5") + "[faults]\nworker_timeout = 2\nspeculate = false\ninject_error = \"stop_at_round_start\"\ninject_rank = 1\n");
  const pid_t child = start_in_background(dir_, {"--enable-recovery", "--oversubscribe", "-n", "5"});
  ASSERT_GT(child, 0);
  const std::string err = await_with_a_stopped_worker(dir_, child, 1, 2 + 5 + 10.0);
  EXPECT_NE(err.find("rank 1 sent nothing for 2 s (worker_timeout)"), std::string::npos) << err;
  EXPECT_EQ(err.find("rank 3 sent nothing"), std::string::npos) << "rank 3 was held up: " << err;
  ASSERT_TRUE(std::filesystem::exists(path("result.h5"))) << err;
  const io::ResultFile result(path("result.h5"));
  EXPECT_EQ(std::get<std::string>(result.attributes("/").at("status")), "complete");
  for (const auto& row : result.read_workers()) EXPECT_EQ(row.lost, row.rank == 1 ? 1 : 0) << "rank " << row.rank;
  EXPECT_EQ(result.read_f64("/result/centroids"), io::ResultFile(path("full.h5")).read_f64("/result/centroids"));
}

// Rank 2's kernel ignores its deadline (inject_delay sleeps 60 s before every partition): its
// first attempt is abandoned, and rank 2 retires from the job rather than wait for a kernel that
// may never return when the next round begins. The master deals what it held again; the job
// completes without it, with no copies to help (speculate = false), exactly.
TEST_F(EndToEnd, AWorkerWhoseKernelIgnoresItsDeadlineRetiresFromTheJob) {
  write_points(path("data.h5"), 20000, 3, 11);
  write_text("full.toml", kmeans_job("full.h5"));
  const Completed full = run(3, {"run", "full.toml", "--progress", "off"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  write_text("job.toml", kmeans_job("result.h5") +
                             "[faults]\npartition_timeout = 0.5\nspeculate = false\ninject_delay = 60\ninject_rank = 2\n");
  const auto start = Clock::now();
  const Completed run = this->run(4, {"run", "job.toml", "--progress", "off"}, 50);
  EXPECT_LT(seconds_since(start), 30.0) << "the job waited for the kernel";
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("rank 2 runs nothing more in this job"), std::string::npos) << run.err;
  ASSERT_TRUE(std::filesystem::exists(path("result.h5"))) << run.err;
  const io::ResultFile result(path("result.h5"));
  EXPECT_EQ(std::get<std::string>(result.attributes("/").at("status")), "complete");
  EXPECT_EQ(result.read_f64("/result/centroids"), io::ResultFile(path("full.h5")).read_f64("/result/centroids"));
}

// A worker that hangs at the very end is still killed, so that the launcher exits: found silent
// when it stops after its /workers row (while the master writes the result), found stopped by
// the master's guard of MPI_Finalize when it stops after its last word.
class StoppedAtTheEnd : public EndToEnd, public ::testing::WithParamInterface<const char*> {};

TEST_P(StoppedAtTheEnd, IsKilledSoTheLauncherExits) {
  write_text("job.toml", sleeping_job(40, 1000, "random", 2) + fmt::format("inject_error = \"{}\"\ninject_rank = 2\n", GetParam()));
  const pid_t child = start_in_background(dir_, {"--enable-recovery", "--oversubscribe", "-n", "3"});
  ASSERT_GT(child, 0);
  const std::string err = await_with_a_stopped_worker(dir_, child, 2, 2 + 10 + 10.0);
  if (std::string(GetParam()) == "stop_at_end") {
    EXPECT_NE(err.find("rank 2 did not acknowledge the end of the job"), std::string::npos) << err;
  }
  EXPECT_EQ(std::get<std::string>(io::ResultFile(path("result.h5")).attributes("/").at("status")), "complete");
}

// Stopped after its last word of the first job of a batch, the worker is not known lost when
// the second job is announced to it: that job finds it silent, kills it, and completes without it.
TEST_F(EndToEnd, ABatchGoesOnWithoutAWorkerStoppedBetweenItsJobs) {
  write_text("job.toml", sleeping_job(40, 1000, "random", 2) + "inject_error = \"stop_after_end\"\ninject_rank = 2\n");
  std::string second = sleeping_job(40, 1000, "random", 2);
  second.replace(second.find("result.h5"), 9, "second.h5");
  write_text("second.toml", second);
  const pid_t child = start_in_background(dir_, {"--enable-recovery", "--oversubscribe", "-n", "3"}, {"job.toml", "second.toml"});
  ASSERT_GT(child, 0);
  const std::string err = await_with_a_stopped_worker(dir_, child, 2, 2 + 10 + 10.0);
  EXPECT_NE(err.find("rank 2 sent nothing for 2 s (worker_timeout)"), std::string::npos) << err;
  for (const char* output : {"result.h5", "second.h5"}) {
    ASSERT_TRUE(std::filesystem::exists(path(output))) << output << "\n" << err;
    const io::ResultFile result(path(output));
    EXPECT_EQ(std::get<std::string>(result.attributes("/").at("status")), "complete") << output;
    EXPECT_EQ(result.read_partitions().size(), 40u) << output;
  }
  for (const auto& row : io::ResultFile(path("second.h5")).read_workers()) {
    EXPECT_EQ(row.lost, row.rank == 2 ? 1 : 0) << "rank " << row.rank;
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, StoppedAtTheEnd, ::testing::Values("stop_at_end", "stop_after_end"),
                         [](const auto& info) { return std::string(info.param); });

// Partition 3 kills the worker that runs it (its program ends its own rank: the parent of its
// supervisor). After retries + 1 = 2 lost workers it is a poison partition: failed, not run
// again, and the job completes without it instead of losing worker after worker.
TEST_F(EndToEnd, APartitionThatKillsItsWorkersIsPoisonAfterRetries) {
  write_text("job.toml", R"([job]
name = "poison"
output = "result.h5"
[partition]
range = [0, 8]
[kernel]
name = "command"
argv = ["sh", "-c", "if [ $1 = 3 ]; then kill -9 $(cut -d' ' -f4 /proc/$PPID/stat); sleep 30; fi", "sh", "{partition}"]
[schedule]
chunking = "fixed"
[faults]
worker_timeout = 2
retries = 1
)");
  const pid_t child = start_in_background(dir_, {"--enable-recovery", "--oversubscribe", "-n", "5"});
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  const std::string err = read_text(path("stderr.txt"));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << err;
  EXPECT_NE(err.find("a poison partition, not run again"), std::string::npos) << err;
  ASSERT_TRUE(std::filesystem::exists(path("result.h5"))) << err;
  const io::ResultFile result(path("result.h5"));
  EXPECT_EQ(std::get<std::string>(result.attributes("/").at("status")), "partial");
  EXPECT_EQ(std::get<std::uint64_t>(result.attributes("/").at("lost_workers")), 2u);
  int lost = 0;
  for (const auto& row : result.read_workers()) lost += row.lost;
  EXPECT_EQ(lost, 2);
  for (const auto& p : result.read_partitions()) {
    EXPECT_EQ(p.status, p.id == 3 ? 1 : 0) << "partition " << p.id;
    if (p.id == 3) EXPECT_EQ(p.attempts, 2);
  }
}

// Under a launcher that lets survivors run on (mpirun --enable-recovery), workers whose master
// died exit by themselves within worker_timeout, and no process of the run is left.
TEST_F(EndToEnd, WorkersOfALostMasterExitWithinTheWorkerTimeout) {
  write_text("job.toml", sleeping_job(1000, 20000, "random", 2));
  const pid_t child = start_in_background(dir_, {"--oversubscribe", "--enable-recovery", "-n", "3"});
  ASSERT_GT(child, 0);
  const auto master = wait_for_rank(child, 0);
  const auto first = wait_for_rank(child, 1), second = wait_for_rank(child, 2);
  ASSERT_TRUE(master && first && second) << "the ranks never appeared";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto killed_at = Clock::now();
  ASSERT_EQ(kill(*master, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  const double seconds = seconds_since(killed_at);
  for (const pid_t worker : {*first, *second}) {
    EXPECT_NE(kill(worker, 0), 0) << "worker " << worker << " outlived the job";
    kill(worker, SIGKILL);
  }
  EXPECT_LT(seconds, 2 + 5 + 3.0) << "worker_timeout 2 s, then at most a few seconds to exit";
  std::ifstream err_file(path("stderr.txt"));
  const std::string err((std::istreambuf_iterator<char>(err_file)), std::istreambuf_iterator<char>());
  EXPECT_NE(err.find("the master (rank 0) sent nothing for 2 s"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(path("result.h5")));
}

// A healthy worker with nothing to do is never taken for a lost one: while one worker runs the
// last long partition, the other only sends steal requests (to workers), and heartbeats to the
// master keep it alive; so does the busy one's communication thread.
TEST_F(EndToEnd, IdleThievesAndLongPartitionsOutliveTheWorkerTimeout) {
  write_text("job.toml", sleeping_job(3, 4000000, "random", 3));
  const Completed run = this->run(3, {"run", "job.toml", "--progress", "off"}, 60);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.error_lines().empty()) << run.err;
  EXPECT_TRUE(std::filesystem::exists(path("result.h5")));
}

// Three jobs in one run, each with stealing: a late steal message of one job must not reach the
// next (it did, and a worker's steal_wait_s became the machine's uptime).
TEST_F(EndToEnd, JobsOfOneBatchNeverSeeEachOthersMessages) {
  const std::vector<std::string> names{"a", "b", "c"};
  for (const auto& name : names) {
    std::string job = spin_job(0, 300, "chunking = \"static\"\nstealing = \"random\"");
    job.replace(job.find("output = \"result.h5\""), 20, fmt::format("output = \"{}.h5\"", name));
    write_text(name + ".toml", job);
  }
  for (int repetition = 0; repetition < 20; ++repetition) {
    const Completed run =
        this->run(4, {"run", "a.toml", "b.toml", "c.toml", "--force", "--progress", "off"}, 120);
    ASSERT_EQ(run.exit_code, 0) << "repetition " << repetition << ": " << run.err;
    for (const auto& name : names) {
      const Ledger ledger = read_ledger(path(name + ".h5"));
      expect_each_id_once(ledger, 300);
      const double wall = std::get<double>(io::ResultFile(path(name + ".h5")).attributes("/").at("wall_seconds"));
      for (const auto& worker : ledger.workers) {
        EXPECT_LE(worker.steal_wait_s, wall) << name << " rank " << worker.rank << ", repetition " << repetition;
      }
    }
    if (HasFailure()) return;
  }
}

// The round state (k-means centroids) is broadcast once: the master never holds a copy of it
// per worker in its sends.
TEST_F(EndToEnd, RoundStateIsBroadcastNotSentToEachWorker) {
  constexpr int k = 128, d = 32;
  write_points(path("data.h5"), 4096, d, 3);
  write_text("job.toml", fmt::format(R"([job]
name = "kmeans"
output = "result.h5"
[input]
file = "data.h5"
dataset = "/points"
[partition]
count = 14
[kernel]
name = "kmeans"
k = {}
max_iterations = 3
init = "random"
seed = 1
)", k));
  const Completed run = this->run(8, {"run", "job.toml", "--progress", "off"}, 120);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto attributes = io::ResultFile(path("result.h5")).attributes("/");
  const auto peak = std::get<std::uint64_t>(attributes.at("master_peak_send_bytes"));
  // Sending the centroids to each of the 7 workers held 7 x k x d x 8 bytes.
  EXPECT_LT(peak, std::uint64_t{k} * d * 8) << "peak bytes in the master's sends";
}

// The same job and data give bitwise the same floats whatever the worker count, chunking or
// stealing: partials are merged in partition-id order.
class Reproducible : public EndToEnd, public ::testing::WithParamInterface<std::string> {};

TEST_P(Reproducible, ResultsAreBitwiseEqualAcrossRanksAndPolicies) {
  const std::string kernel = GetParam();
  write_points(path("data.h5"), 20000, 3, 11);
  const std::vector<std::pair<int, std::string>> runs{
      {0, "chunking = \"static\"\nstealing = \"off\""},
      {3, "chunking = \"fixed\"\nchunk = 1\nstealing = \"random\""},
      {5, "chunking = \"guided\"\nstealing = \"master\""},
      {5, "chunking = \"cyclic\"\nstealing = \"random\""}};
  std::vector<std::vector<std::vector<double>>> results;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string output = fmt::format("result-{}.h5", i);
    write_text("job.toml", fmt::format(R"([job]
name = "repro"
output = "{}"
[input]
file = "data.h5"
dataset = "/points"
[partition]
count = 97
[kernel]
name = "{}"
{}
[schedule]
{}
)", output, kernel, kernel == "kmeans" ? "k = 5\nseed = 3\nmax_iterations = 20" : "", runs[i].second));
    const Completed run = this->run(runs[i].first, {"run", "job.toml", "--progress", "off"}, 120);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const io::ResultFile file(path(output));
    std::vector<std::vector<double>> values;
    for (const auto& name : file.members("/result")) {
      if (!file.is_group("/result/" + name)) values.push_back(file.read_f64("/result/" + name));
    }
    for (const auto& [name, value] : file.attributes("/result")) {
      if (const auto* number = std::get_if<double>(&value)) values.push_back({*number});
    }
    results.push_back(values);
  }
  for (std::size_t i = 1; i < results.size(); ++i) {
    ASSERT_EQ(results[i].size(), results[0].size());
    for (std::size_t j = 0; j < results[0].size(); ++j) {
      ASSERT_EQ(results[i][j].size(), results[0][j].size());
      EXPECT_EQ(std::memcmp(results[i][j].data(), results[0][j].data(), results[0][j].size() * sizeof(double)), 0)
          << "run " << i << ", result value set " << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, Reproducible, ::testing::Values("stats", "kmeans"));

}  // namespace
}  // namespace kdsched::testing
