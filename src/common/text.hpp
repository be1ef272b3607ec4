#pragma once

#include <span>
#include <string>
#include <string_view>

namespace kdsched {

// The candidate closest to `word` by edit distance, or "" when none is close enough to be a
// plausible typo. Used for "did you mean" hints.
std::string closest_match(std::string_view word, std::span<const std::string_view> candidates);

// Human-readable byte counts and durations for reports and plans.
std::string format_bytes(double bytes);
std::string format_seconds(double seconds);

// `text` with every control character written as an escape (\n, \t, \x00, \x1b, ...), so that a
// value from a job file can neither cut a message short nor start a forged line of its own.
// Every error and log line goes through it.
std::string escape_controls(std::string_view text);

}  // namespace kdsched
