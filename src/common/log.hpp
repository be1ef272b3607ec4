#pragma once

#include <fmt/format.h>

#include <string_view>

namespace kdsched::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(Level level);
Level level();
// Prefix every line with the MPI rank once the runtime knows it.
void set_rank(int rank);
Level parse_level(std::string_view text);

void write(Level level, std::string_view message);

template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  if (level() <= Level::debug) write(Level::debug, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  if (level() <= Level::info) write(Level::info, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  if (level() <= Level::warn) write(Level::warn, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace kdsched::log
