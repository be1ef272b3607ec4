#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// What the fault tests need to know of the processes a run started, read from /proc, and how they
// start a run in the background. Tests signal and kill only processes found this way, by PID.
namespace kdsched::testing {

struct ProcessInfo {
  pid_t pid = 0;
  char state = '?';  // as in /proc/PID/stat: 'Z' for a zombie
  pid_t parent = 0;
  pid_t group = 0;
};

std::optional<ProcessInfo> process_info(pid_t pid);
std::vector<ProcessInfo> all_processes();

// Alive and not a zombie (a zombie no one reaps runs nothing).
bool alive(pid_t pid);
// A process group with a member that is not a zombie.
bool group_alive(pid_t group);

std::vector<pid_t> children_of(pid_t parent);
std::vector<pid_t> members_of_group(pid_t group);
bool has_environment(pid_t pid, const std::string& entry);

// Processes below `root` (at any depth) whose environment says they are MPI rank `rank`.
std::vector<pid_t> ranks_below(pid_t root, int rank);

// Starts `argv` in `dir` without waiting, stdin from /dev/null and stdout, stderr into the given
// files; in a process group of its own when `own_group` (to kill everything it started at once),
// otherwise in the test's (so that signals sent to it reach only it). Returns its pid.
pid_t start_process(const std::filesystem::path& dir, const std::vector<std::string>& argv,
                    const std::filesystem::path& out, const std::filesystem::path& err, bool own_group);

}  // namespace kdsched::testing
