#include "mpi/harness.hpp"
#include "mpi/processes.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

namespace kdsched::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Every partition sleeps for an hour in a shell that started a second sleeper in the
// background; the shell records both pids (written, then renamed, so a file is complete).
constexpr const char* sleepers_job = R"([job]
name = "sleepers"
output = "result.h5"

[partition]
range = [0, 2]
count = 2

[kernel]
name = "command"
argv = ["sh", "-c", "sleep 3600 & echo $$ $! > pids-{partition}.part && mv pids-{partition}.part pids-{partition}; sleep 3600"]
)";

class Interrupted : public EndToEnd {
 protected:
  void TearDown() override {
    // Nothing this test started may survive it, even when it fails.
    if (launched_ > 0 && alive(launched_)) kill(launched_, SIGKILL);
    if (launched_ > 0) waitpid(launched_, nullptr, 0);
    for (const pid_t pid : watched_) {
      if (alive(pid)) kill(pid, SIGKILL);
    }
    EndToEnd::TearDown();
  }

  // Starts `kdsched run` on the sleepers' job, through mpiexec with `ranks` ranks (0: directly).
  void launch(int ranks) {
    write_text("job.toml", sleepers_job);
    std::vector<std::string> args;
    if (ranks > 0) args = {KDSCHED_MPIEXEC, "--oversubscribe", "-n", std::to_string(ranks)};
    for (const char* arg : {KDSCHED_BINARY, "run", "job.toml", "--progress", "off"}) args.emplace_back(arg);
    launched_ = start_process(dir_, args, path("stdout.txt"), path("stderr.txt"), false);
    ASSERT_GT(launched_, 0) << "cannot start " << args.front();
  }

  // Waits until `count` programs have recorded their pids; returns the shells' pids, and watches
  // everything in their process groups (the supervisors, the shells, both sleepers of each).
  std::vector<pid_t> wait_for_programs(std::size_t count) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    std::vector<pid_t> shells;
    std::vector<bool> seen(2, false);
    while (shells.size() < count && Clock::now() < deadline) {
      for (std::size_t partition = 0; partition < seen.size(); ++partition) {
        std::ifstream in(path(fmt::format("pids-{}", partition)));
        pid_t shell = 0;
        pid_t sleeper = 0;
        if (seen[partition] || !(in >> shell >> sleeper)) continue;
        seen[partition] = true;
        shells.push_back(shell);
        watched_.push_back(sleeper);
        if (const auto stat = process_info(shell)) {
          for (const pid_t member : members_of_group(stat->group)) watched_.push_back(member);
        }
      }
      if (shells.size() < count) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(shells.size(), count) << "the programs did not start";
    return shells;
  }

  // The ranks: mpiexec's children (or the one process run directly), watched too.
  std::vector<pid_t> ranks(bool through_mpiexec) {
    std::vector<pid_t> ranks = through_mpiexec ? children_of(launched_) : std::vector<pid_t>{launched_};
    watched_.insert(watched_.end(), ranks.begin(), ranks.end());
    return ranks;
  }

  // The exit code of what launch() started, or nullopt if it did not end within the deadline.
  std::optional<int> wait_for_exit() {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline) {
      int status = 0;
      if (waitpid(launched_, &status, WNOHANG) == launched_) {
        launched_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

  // No process of the job (ranks, supervisors, programs, their children) is left, within a deadline.
  void expect_nothing_left() {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline && std::any_of(watched_.begin(), watched_.end(), alive)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const pid_t pid : watched_) EXPECT_FALSE(alive(pid)) << "process " << pid << " outlived the job";
    EXPECT_FALSE(fs::exists(path("result.h5")));
  }

  void expect_no_temporary() { EXPECT_EQ(files_starting_with("result.h5.tmp"), std::vector<std::string>{}); }

  std::string stderr_text() {
    std::ifstream in(path("stderr.txt"));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  pid_t launched_ = 0;
  std::vector<pid_t> watched_;
};

class SignalToMpiexec : public Interrupted, public ::testing::WithParamInterface<int> {};

TEST_P(SignalToMpiexec, KillsEveryProgramAndRemovesTheTemporary) {
  launch(3);
  wait_for_programs(2);
  ASSERT_EQ(ranks(true).size(), 3u);
  ASSERT_EQ(files_starting_with("result.h5.tmp").size(), 1u) << "the master writes a temporary";
  kill(launched_, GetParam());
  ASSERT_TRUE(wait_for_exit().has_value()) << "mpiexec did not end";
  expect_nothing_left();
  expect_no_temporary();
}

INSTANTIATE_TEST_SUITE_P(Signals, SignalToMpiexec, ::testing::Values(SIGTERM, SIGINT, SIGUSR1),
                         [](const auto& info) { return std::string(sigabbrev_np(info.param)); });

TEST_F(Interrupted, SigkillOfAWorkerLeavesNoProgramAndNoTemporary) {
  launch(3);
  const auto shells = wait_for_programs(2);
  ranks(true);
  ASSERT_FALSE(shells.empty());
  // The worker rank: the ancestor of a program that is a child of mpiexec.
  pid_t worker = shells.front();
  for (auto stat = process_info(worker); stat && stat->parent != launched_ && stat->parent > 1; stat = process_info(worker)) {
    worker = stat->parent;
  }
  const auto worker_stat = process_info(worker);
  ASSERT_TRUE(worker_stat.has_value());
  ASSERT_EQ(worker_stat->parent, launched_) << "not a rank of this mpiexec";
  kill(worker, SIGKILL);
  ASSERT_TRUE(wait_for_exit().has_value()) << "mpiexec did not end";
  expect_nothing_left();
  expect_no_temporary();
}

TEST_F(Interrupted, SigkillOfTheMasterLeavesNoProgramAndNoTemporary) {
  launch(3);
  wait_for_programs(2);
  const auto rank_pids = ranks(true);
  const auto master = std::find_if(rank_pids.begin(), rank_pids.end(),
                                   [](pid_t pid) { return has_environment(pid, "OMPI_COMM_WORLD_RANK=0"); });
  ASSERT_NE(master, rank_pids.end());
  kill(*master, SIGKILL);
  ASSERT_TRUE(wait_for_exit().has_value()) << "mpiexec did not end";
  // The workers remove it: mpirun sends them TERM once the master is gone.
  expect_nothing_left();
  expect_no_temporary();
}

class SignalToAloneRun : public Interrupted, public ::testing::WithParamInterface<int> {};

TEST_P(SignalToAloneRun, ExitsFiveAndLeavesNothing) {
  launch(0);
  wait_for_programs(1);
  ranks(false);
  ASSERT_EQ(files_starting_with("result.h5.tmp").size(), 1u) << "the run writes a temporary";
  kill(launched_, GetParam());
  const auto code = wait_for_exit();
  ASSERT_TRUE(code.has_value()) << "kdsched did not end";
  EXPECT_EQ(*code, 5);
  const std::string expected = fmt::format("kdsched: error: interrupted by SIG{}\n", sigabbrev_np(GetParam()));
  EXPECT_EQ(stderr_text(), expected);
  expect_nothing_left();
  expect_no_temporary();
}

INSTANTIATE_TEST_SUITE_P(Signals, SignalToAloneRun, ::testing::Values(SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2),
                         [](const auto& info) { return std::string(sigabbrev_np(info.param)); });

}  // namespace
}  // namespace kdsched::testing
