#include "common/process_identity.hpp"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <string>

namespace kdsched {

std::optional<ProcessStat> process_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const auto name_end = text.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(name_end + 1));
  ProcessStat stat;
  if (!(fields >> stat.state)) return std::nullopt;
  // Fields 4 to 21, then the start time.
  std::string field;
  for (int i = 4; i <= 21; ++i) {
    if (!(fields >> field)) return std::nullopt;
  }
  if (!(fields >> stat.start_ticks)) return std::nullopt;
  return stat;
}

bool kill_if_same(pid_t pid, std::uint64_t start_ticks, bool only_if_stopped) {
  const auto stat = process_stat(pid);
  if (!stat || stat->start_ticks != start_ticks) return false;
  if (only_if_stopped && stat->state != 'T' && stat->state != 't') return false;
  return kill(pid, SIGKILL) == 0;
}

}  // namespace kdsched
