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

}  // namespace kdsched
