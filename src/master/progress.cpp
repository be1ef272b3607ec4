#include "master/progress.hpp"

#include "common/error.hpp"
#include "common/log.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace kdsched::master {
namespace {
constexpr auto bar_interval = std::chrono::milliseconds(100);
constexpr auto line_interval = std::chrono::seconds(10);
constexpr int bar_width = 30;
}  // namespace

ProgressMode parse_progress_mode(std::string_view text) {
  if (text == "auto") return ProgressMode::automatic;
  if (text == "on") return ProgressMode::on;
  if (text == "off") return ProgressMode::off;
  throw UsageError(fmt::format("--progress must be auto, on or off, not '{}'", text));
}

Progress::Progress(ProgressMode mode, std::uint64_t total) : total_(total) {
  // Under mpirun rank 0's stderr is a pipe even when mpirun's is a terminal, so "on" asks for
  // the bar explicitly; "auto" draws it only on a terminal and writes log lines elsewhere.
  const bool tty = isatty(fileno(stderr)) != 0;
  enabled_ = mode == ProgressMode::on || (mode == ProgressMode::automatic && log::level() <= log::Level::info);
  bar_ = mode == ProgressMode::on || tty;
}

void Progress::begin_round(std::uint32_t round, std::uint64_t limit) {
  if (limit == 1) return;
  round_ = limit ? fmt::format("round {}/≤{}: ", round + 1, limit) : fmt::format("round {}: ", round + 1);
}

void Progress::update(std::uint64_t completed, std::uint64_t failed) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (now - last_ < (bar_ ? std::chrono::duration_cast<Clock::duration>(bar_interval) : line_interval) &&
      completed != total_) {
    return;
  }
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double fraction = total_ ? static_cast<double>(completed) / static_cast<double>(total_) : 1.0;
  const std::string failures = failed ? fmt::format(", {} failed", failed) : std::string();
  if (bar_) {
    const int filled = static_cast<int>(fraction * bar_width);
    std::fputs(fmt::format("\r[{:#<{}}{: <{}}] {:5.1f}% {}{}/{} partitions{}  {:.1f} s", "", filled, "",
                           bar_width - filled, 100.0 * fraction, round_, completed, total_, failures, elapsed)
                   .c_str(),
               stderr);
    drawn_ = true;
  } else {
    log::info("progress: {}{}/{} partitions ({:.1f}%){}, {:.1f} s", round_, completed, total_, 100.0 * fraction,
              failures, elapsed);
  }
}

void Progress::finish() {
  if (drawn_) std::fputs("\n", stderr);
  drawn_ = false;
}

}  // namespace kdsched::master
