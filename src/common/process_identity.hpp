#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace kdsched {

// What /proc/PID/stat says of a process on this host: its state (field 3: 'R', 'S', 'T' for
// stopped, ...) and when it started, in clock ticks since boot (field 22), which with the pid and
// the host tells one process from a later one that reuses its pid.
struct ProcessStat {
  char state = '?';
  std::uint64_t start_ticks = 0;
  pid_t pid = 0;
};

// Nothing when there is no such process.
std::optional<ProcessStat> process_stat(pid_t pid);

// Kills process `pid` if it still is the one that started at `start_ticks`, and, when
// `only_if_stopped`, only if it is stopped (SIGSTOP, a debugger). True if it was killed.
bool kill_if_same(pid_t pid, std::uint64_t start_ticks, bool only_if_stopped = false);

}  // namespace kdsched
