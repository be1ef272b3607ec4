#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace kdsched {

// When process `pid` started, in clock ticks since boot (field 22 of /proc/PID/stat): with the
// pid and the host, what tells one process from a later one that reuses its pid. Nothing when
// there is no such process.
std::optional<std::uint64_t> process_start_ticks(pid_t pid);

}  // namespace kdsched
