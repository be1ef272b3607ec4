#include "common/error.hpp"
#include "kernels/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace kdsched::kernels {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class Process : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kdsched-process-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    for (const pid_t pid : started_) kill(pid, SIGKILL);
    fs::remove_all(dir_);
  }

  ProcessResult run(const std::string& script, std::optional<double> timeout = std::nullopt) {
    std::optional<std::chrono::duration<double>> limit;
    if (timeout) limit = std::chrono::duration<double>(*timeout);
    return run_process({"sh", "-c", script}, dir_ / "out", dir_ / "err", limit);
  }

  // The pids the program wrote to `name`, once the file is complete (written, then renamed).
  std::vector<pid_t> pids_in(const std::string& name) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (!fs::exists(dir_ / name) && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream in(dir_ / name);
    std::vector<pid_t> pids;
    for (pid_t pid = 0; in >> pid;) pids.push_back(pid);
    started_.insert(started_.end(), pids.begin(), pids.end());
    return pids;
  }

  // Shell that writes the shell's pid and the last background one to "pids", complete or not at all.
  std::string record() const {
    const std::string file = (dir_ / "pids").string();
    return "echo $$ $! > '" + file + ".part' && mv '" + file + ".part' '" + file + "'";
  }

  fs::path dir_;
  std::vector<pid_t> started_;
};

// Alive and not a zombie (a zombie no one reaps is as good as gone).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

// Whether every pid is gone within a bounded wait (SIGKILL takes effect asynchronously).
bool all_gone(const std::vector<pid_t>& pids) {
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    if (std::none_of(pids.begin(), pids.end(), alive)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}


TEST_F(Process, ExitCodesAndSignalsAreReported) {
  EXPECT_EQ(run("exit 3").exit_code, 3);
  EXPECT_EQ(run("kill -KILL $$").exit_code, 128 + SIGKILL);
  const ProcessResult ok = run("echo hello; echo oops >&2");
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_FALSE(ok.timed_out);
  std::ifstream out(dir_ / "out");
  std::string line;
  std::getline(out, line);
  EXPECT_EQ(line, "hello");
}

TEST_F(Process, WhatTheProgramLeftRunningDiesWithIt) {
  const ProcessResult result = run(std::string("sleep 3600 & ") + record());
  EXPECT_EQ(result.exit_code, 0);
  const auto pids = pids_in("pids");
  ASSERT_EQ(pids.size(), 2u);
  EXPECT_TRUE(all_gone(pids));
}

TEST_F(Process, ATimeoutKillsTheProgramAndItsChildren) {
  const ProcessResult result = run(std::string("sleep 3600 & ") + record() + "; sleep 3600", 0.5);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.exit_code, 124);
  const auto pids = pids_in("pids");
  ASSERT_EQ(pids.size(), 2u);
  EXPECT_TRUE(all_gone(pids));
}

TEST_F(Process, ProgramsAndTheirChildrenDieWhenTheCallerIsKilled) {
  // The caller is a child of this test, SIGKILLed while its program and a grandchild sleep.
  const pid_t caller = fork();
  ASSERT_GE(caller, 0);
  if (caller == 0) {
    run(std::string("sleep 3600 & ") + record() + "; sleep 3600");
    _exit(0);
  }
  started_.push_back(caller);
  const auto pids = pids_in("pids");
  ASSERT_EQ(pids.size(), 2u);
  kill(caller, SIGKILL);
  waitpid(caller, nullptr, 0);
  EXPECT_TRUE(all_gone(pids));
}

TEST_F(Process, TheProgramStartsWithDefaultSignals) {
  // An ignored signal would survive exec; the program must not inherit kdsched's dispositions.
  struct sigaction ignore {};
  struct sigaction before {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGUSR1, &ignore, &before);
  const ProcessResult result = run("kill -USR1 $$; exit 0");
  sigaction(SIGUSR1, &before, nullptr);
  EXPECT_EQ(result.exit_code, 128 + SIGUSR1);
}

TEST_F(Process, AProgramThatCannotStartIsAnError) {
  try {
    run_process({(dir_ / "missing").string()}, dir_ / "out", dir_ / "err", std::nullopt);
    FAIL() << "no error";
  } catch (const RuntimeError& error) {
    EXPECT_NE(std::string(error.what()).find("cannot run '" + (dir_ / "missing").string() + "': No such file"),
              std::string::npos)
        << error.what();
  }
}

TEST_F(Process, ProgramProblems) {
  EXPECT_EQ(program_problem("sh"), "");
  EXPECT_EQ(program_problem("/bin/sh"), "");
  EXPECT_EQ(program_problem("no-such-program-kdsched"), "not found");
  EXPECT_EQ(program_problem((dir_ / "missing").string()), "not found");
  EXPECT_EQ(program_problem(dir_.string()), "is a directory");
  std::ofstream(dir_ / "script") << "#!/bin/sh\n";
  fs::permissions(dir_ / "script", fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(program_problem((dir_ / "script").string()), "is not executable");
}

}  // namespace
}  // namespace kdsched::kernels
