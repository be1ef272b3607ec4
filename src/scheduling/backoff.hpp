#pragma once

#include <algorithm>
#include <chrono>

namespace kdsched::scheduling {

// Exponential backoff for anything that polls: it stays hot while there is traffic and settles
// at `max` when idle, which bounds both the reaction time and the CPU an idle loop burns.
class Backoff {
 public:
  using Duration = std::chrono::microseconds;

  Backoff(Duration min, Duration max, unsigned hot_polls)
      : min_(min), max_(max), hot_polls_(hot_polls) {}

  void reset() {
    polls_ = 0;
    delay_ = Duration::zero();
  }

  // The pause before the next poll; zero during the first `hot_polls` idle polls.
  Duration next() {
    if (polls_ < hot_polls_) {
      ++polls_;
      return Duration::zero();
    }
    delay_ = delay_ == Duration::zero() ? min_ : std::min(max_, delay_ * 2);
    return delay_;
  }

 private:
  Duration min_;
  Duration max_;
  unsigned hot_polls_;
  unsigned polls_ = 0;
  Duration delay_ = Duration::zero();
};

}  // namespace kdsched::scheduling
