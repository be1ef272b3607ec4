#include "mpi/processes.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

extern char** environ;

namespace kdsched::testing {

std::optional<ProcessInfo> process_info(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name in parentheses may hold spaces; the fields after it do not.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  ProcessInfo info;
  info.pid = pid;
  fields >> info.state >> info.parent >> info.group;
  return info;
}

std::vector<ProcessInfo> all_processes() {
  std::vector<ProcessInfo> processes;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (const auto info = process_info(std::stoi(name))) processes.push_back(*info);
  }
  return processes;
}

bool alive(pid_t pid) {
  const auto info = process_info(pid);
  return info && info->state != 'Z';
}

bool group_alive(pid_t group) {
  const auto processes = all_processes();
  return std::any_of(processes.begin(), processes.end(),
                     [group](const ProcessInfo& p) { return p.group == group && p.state != 'Z'; });
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& p : all_processes()) {
    if (p.parent == parent) children.push_back(p.pid);
  }
  return children;
}

std::vector<pid_t> members_of_group(pid_t group) {
  std::vector<pid_t> members;
  for (const auto& p : all_processes()) {
    if (p.group == group) members.push_back(p.pid);
  }
  return members;
}

bool has_environment(pid_t pid, const std::string& entry) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ");
  for (std::string line; std::getline(in, line, '\0');) {
    if (line == entry) return true;
  }
  return false;
}

std::vector<pid_t> ranks_below(pid_t root, int rank) {
  const auto processes = all_processes();
  const auto parent_of = [&](pid_t pid) {
    const auto it = std::find_if(processes.begin(), processes.end(), [pid](const ProcessInfo& p) { return p.pid == pid; });
    return it == processes.end() ? 0 : it->parent;
  };
  const std::string wanted = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  std::vector<pid_t> found;
  for (const auto& p : processes) {
    bool below = false;
    for (pid_t up = p.parent; up > 1 && !below; up = parent_of(up)) below = up == root;
    if (below && has_environment(p.pid, wanted)) found.push_back(p.pid);
  }
  return found;
}

pid_t start_process(const std::filesystem::path& dir, const std::vector<std::string>& argv,
                    const std::filesystem::path& out, const std::filesystem::path& err, bool own_group) {
  std::vector<std::string> words = argv;
  std::vector<char*> args;
  for (auto& word : words) args.push_back(word.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (own_group) {
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
  }
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  return error == 0 ? pid : -1;
}

}  // namespace kdsched::testing
