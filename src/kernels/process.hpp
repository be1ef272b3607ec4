#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kdsched::kernels {

struct ProcessResult {
  int exit_code = 0;  // the program's exit status; 128 + signal when killed; 124 on timeout
  bool timed_out = false;
  double seconds = 0;
};

// Runs argv[0] (looked up in PATH) with these arguments, directly — never through a shell, so
// each argument reaches the program as it is — with stdout and stderr going to the given files.
// The program runs in a process group of its own, under a small supervisor process that kills
// the group when the calling thread's process dies, however it dies (even SIGKILL). When the
// program exits, after `timeout`, or on a signal kdsched catches, the program and everything it
// started (its process group) are killed.
// Throws RuntimeError when the program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
                          const std::filesystem::path& stderr_file, std::optional<std::chrono::duration<double>> timeout);

// Why `program` cannot be run ("not found", "is a directory", "is not executable"), or empty when
// it names an executable file, directly or through PATH (as execvp would find it).
std::string program_problem(const std::string& program);

}  // namespace kdsched::kernels
