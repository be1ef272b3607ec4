#include "common/interrupt.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace kdsched::interrupt {
namespace {

namespace fs = std::filesystem;

// Runs `body` in a child process that has the handlers installed; returns its wait status.
template <typename Body>
int in_child(Body body) {
  const pid_t child = fork();
  if (child == 0) {
    install_signal_handlers(false);
    body();
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return status;
}

TEST(Interrupt, ASignalKillsRegisteredGroupsRemovesRegisteredFilesAndExitsFive) {
  const fs::path dir = fs::temp_directory_path() / ("kdsched-interrupt-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "temporary") << "x";
  std::ofstream(dir / "kept") << "x";
  // A process group of its own, started here so that this test can check it is gone.
  const pid_t sleeper = fork();
  if (sleeper == 0) {
    setpgid(0, 0);
    execlp("sleep", "sleep", "3600", nullptr);
    _exit(127);
  }
  setpgid(sleeper, sleeper);
  const int status = in_child([&] {
    const RemoveOnSignal temporary(dir / "temporary");
    { const RemoveOnSignal forgotten(dir / "kept"); }
    const KillOnSignal group(sleeper);
    raise(SIGTERM);
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 5);
  // SIGKILL takes effect at once; the deadline only keeps a failing test from waiting an hour.
  int sleeper_status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (waitpid(sleeper, &sleeper_status, WNOHANG) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (std::chrono::steady_clock::now() >= deadline) {
    kill(sleeper, SIGKILL);
    waitpid(sleeper, nullptr, 0);
    FAIL() << "the registered group was not killed";
  }
  EXPECT_TRUE(WIFSIGNALED(sleeper_status) && WTERMSIG(sleeper_status) == SIGKILL);
  EXPECT_FALSE(fs::exists(dir / "temporary"));
  EXPECT_TRUE(fs::exists(dir / "kept"));
  fs::remove_all(dir);
}

TEST(Interrupt, UnderADrainTheHandlerReturnsAndTheProcessEndsItself) {
  const fs::path dir = fs::temp_directory_path() / ("kdsched-drain-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "temporary") << "x";
  const int status = in_child([&] {
    const RemoveOnSignal temporary(dir / "temporary");
    const Drain drain(std::chrono::milliseconds(5000));
    raise(SIGUSR1);
    // The handler returned: the process itself ends, with whatever code it chooses.
    _exit(drain_requested() == SIGUSR1 && !fs::exists(dir / "temporary") ? 42 : 1);
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
  fs::remove_all(dir);
}

TEST(Interrupt, ADrainThatDoesNotEndByItsDeadlineEndsWithCodeFive) {
  const auto start = std::chrono::steady_clock::now();
  const int status = in_child([] {
    const Drain drain(std::chrono::milliseconds(200));
    raise(SIGTERM);
    std::this_thread::sleep_for(std::chrono::seconds(30));  // blocked, as in MPI
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 5);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(Interrupt, AReleasedFileIsNotRemovedAndAFileTakenBySignalCannotBeReleased) {
  const fs::path dir = fs::temp_directory_path() / ("kdsched-release-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "committed") << "x";
  std::ofstream(dir / "taken") << "x";
  const int status = in_child([&] {
    RemoveOnSignal committed(dir / "committed");
    RemoveOnSignal taken(dir / "taken");
    const Drain drain(std::chrono::milliseconds(5000));
    if (!committed.release()) _exit(1);
    raise(SIGTERM);
    _exit(taken.release() ? 2 : 42);
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
  EXPECT_TRUE(fs::exists(dir / "committed"));
  EXPECT_FALSE(fs::exists(dir / "taken"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kdsched::interrupt
