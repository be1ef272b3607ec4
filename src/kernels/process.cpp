#include "kernels/process.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

extern char** environ;

namespace kdsched::kernels {
namespace {

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

// posix_spawn file actions and attributes, released whatever happens.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

bool program_exists(const std::string& program) {
  if (program.empty()) return false;
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::istringstream folders(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string folder; std::getline(folders, folder, ':');) {
    if (access(((folder.empty() ? std::string(".") : folder) + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
                          const std::filesystem::path& stderr_file, std::optional<std::chrono::duration<double>> timeout) {
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  // Never through a link planted at a log's name: the program's output would land in that file.
  constexpr int log_flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
  posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, stdout_file.c_str(), log_flags, 0644);
  posix_spawn_file_actions_addopen(&setup.actions, STDERR_FILENO, stderr_file.c_str(), log_flags, 0644);
  // Its own process group, so that a timeout kills whatever the program started too.
  posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&setup.attributes, 0);

  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (const int error = posix_spawnp(&pid, args[0], &setup.actions, &setup.attributes, args.data(), environ)) {
    throw RuntimeError(fmt::format("cannot run '{}': {}", argv[0], std::strerror(error)));
  }

  ProcessResult result;
  int status = 0;
  auto pause = std::chrono::microseconds(100);
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw RuntimeError(fmt::format("waiting for '{}' failed: {}", argv[0], std::strerror(errno)));
    if (timeout && std::chrono::steady_clock::now() - start >= *timeout) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(10'000));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.exit_code = result.timed_out ? 124 : exit_code_of(status);
  return result;
}

}  // namespace kdsched::kernels
