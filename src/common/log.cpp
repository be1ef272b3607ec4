#include "common/log.hpp"

#include "common/error.hpp"
#include "common/text.hpp"

#include <atomic>
#include <cstdio>
#include <string>

namespace kdsched::log {
namespace {
std::atomic<Level> current_level{Level::info};
std::atomic<int> current_rank{-1};

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warning";
    case Level::error: return "error";
  }
  return "?";
}
}  // namespace

void set_level(Level level) { current_level = level; }
Level level() { return current_level; }
void set_rank(int rank) { current_rank = rank; }

Level parse_level(std::string_view text) {
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "warn") return Level::warn;
  throw UsageError(fmt::format("unknown log level '{}' (expected debug, info or warn)", text));
}

void write(Level level, std::string_view message) {
  const int rank = current_rank;
  // One fputs per line keeps lines from different threads whole.
  const std::string text = escape_controls(message);
  std::string line = rank >= 0 ? fmt::format("kdsched[{}]: {}: {}\n", rank, level_name(level), text)
                               : fmt::format("kdsched: {}: {}\n", level_name(level), text);
  std::fputs(line.c_str(), stderr);
}

}  // namespace kdsched::log
