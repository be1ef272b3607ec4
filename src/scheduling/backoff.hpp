#pragma once

#include <algorithm>
#include <chrono>

namespace kdsched::scheduling {

// When a polling loop may sleep. Right after activity it spins for `spin_window` (messages come
// in bursts: a reply is usually microseconds away, and a sleep would cost far more than that);
// after that it sleeps for pauses doubling from `min_pause` to `max_pause`. `max_pause` bounds
// how late an idle loop notices a message; the spin window bounds the CPU an idle loop burns
// per message it handles.
class Backoff {
 public:
  using Clock = std::chrono::steady_clock;
  using Duration = std::chrono::microseconds;

  Backoff(Duration spin_window, Duration min_pause, Duration max_pause)
      : spin_window_(spin_window), min_pause_(min_pause), max_pause_(max_pause) {}

  // Something happened: spin again.
  void reset() {
    idle_polls_ = 0;
    pause_ = Duration::zero();
  }

  // The pause before the next poll: zero within the spin window that starts at the first idle
  // poll after activity, then doubling. `now` is consulted only every few polls, because a
  // clock read costs as much as a poll on some virtual machines.
  template <typename NowFunction>
  Duration next(NowFunction&& now) {
    if (idle_polls_++ % clock_stride == 0) {
      const Clock::time_point t = now();
      if (idle_polls_ == 1) idle_since_ = t;
      spinning_ = t - idle_since_ < spin_window_;
    }
    if (spinning_) return Duration::zero();
    pause_ = pause_ == Duration::zero() ? min_pause_ : std::min(max_pause_, pause_ * 2);
    return pause_;
  }

  Duration next() {
    return next([] { return Clock::now(); });
  }

 private:
  static constexpr unsigned clock_stride = 16;

  Duration spin_window_;
  Duration min_pause_;
  Duration max_pause_;
  unsigned long idle_polls_ = 0;
  Clock::time_point idle_since_{};
  bool spinning_ = true;
  Duration pause_ = Duration::zero();
};

// How the master and the workers poll MPI: a reply within 50 us is caught spinning; an idle
// loop notices a message within 1 ms and wakes at most ~1000 times a second.
inline Backoff message_polling() {
  return Backoff(std::chrono::microseconds(50), std::chrono::microseconds(20), std::chrono::milliseconds(1));
}

// How often an idle worker retries a steal that found nothing: soon at first, then at most
// 50 times a second, so that idle workers never flood the busy ones.
inline Backoff steal_retries() {
  return Backoff(Backoff::Duration::zero(), std::chrono::microseconds(200), std::chrono::milliseconds(20));
}

}  // namespace kdsched::scheduling
