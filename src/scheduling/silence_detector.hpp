#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace kdsched::scheduling {

// Which worker has been silent too long. Workers send a heartbeat when they have sent nothing
// else for a while (heartbeat_interval), so silence longer than the timeout means a dead, hung or
// stopped rank. Marking a worker heard is one store, cheap enough for every message of the
// dispatch loop; the clock is read only when check() is called, at most every `interval`.
class SilenceDetector {
 public:
  using Clock = std::chrono::steady_clock;
  using Duration = std::chrono::duration<double>;

  SilenceDetector(std::uint32_t workers, Duration timeout, Clock::time_point now)
      : timeout_(timeout), heard_(workers, 1), last_heard_(workers, now), next_check_(now) {}

  void heard(std::uint32_t worker) { heard_[worker] = 1; }

  // A worker that is no longer waited for (lost, or done and quiet): not reported silent
  // until watched again.
  void forget(std::uint32_t worker) {
    forgotten_.resize(heard_.size(), false);
    forgotten_[worker] = true;
  }
  // Waits for the worker again, counting its silence from `now`.
  void watch(std::uint32_t worker, Clock::time_point now) {
    if (worker < forgotten_.size()) forgotten_[worker] = false;
    last_heard_[worker] = now;
    heard_[worker] = 0;
  }

  // A worker silent for longer than the timeout, if any (the lowest such id).
  std::optional<std::uint32_t> check(Clock::time_point now) {
    if (now < next_check_) return std::nullopt;
    // A master that could not look for a while (a long merge, a kernel's next_round) has
    // messages queued that it has not read: the silence is its own, so it starts counting anew.
    const bool master_was_away = now - next_check_ > check_interval();
    next_check_ = now + std::chrono::duration_cast<Clock::duration>(check_interval());
    if (master_was_away) {
      std::fill(last_heard_.begin(), last_heard_.end(), now);
      std::fill(heard_.begin(), heard_.end(), 0);
      return std::nullopt;
    }
    std::optional<std::uint32_t> silent;
    for (std::uint32_t worker = 0; worker < heard_.size(); ++worker) {
      if (heard_[worker]) {
        heard_[worker] = 0;
        last_heard_[worker] = now;
      } else if (!silent && now - last_heard_[worker] > timeout_ && !is_forgotten(worker)) {
        silent = worker;
      }
    }
    return silent;
  }

  Duration timeout() const { return timeout_; }

 private:
  // A tenth of the timeout: a lost worker is noticed within 10 % of it, and the scan of every
  // worker's flag happens at most ten times per timeout.
  Duration check_interval() const { return timeout_ / 10; }

  bool is_forgotten(std::uint32_t worker) const { return worker < forgotten_.size() && forgotten_[worker]; }

  Duration timeout_;
  std::vector<bool> forgotten_;
  std::vector<std::uint8_t> heard_;
  std::vector<Clock::time_point> last_heard_;
  Clock::time_point next_check_;
};

// How often a worker with nothing else to send tells the master it is alive: a few times per
// timeout, so that one late heartbeat on a loaded machine does not count as a loss.
inline SilenceDetector::Duration heartbeat_interval(SilenceDetector::Duration timeout) {
  return std::min(SilenceDetector::Duration(1.0), timeout / 4);
}

}  // namespace kdsched::scheduling
