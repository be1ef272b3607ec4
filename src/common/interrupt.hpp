#pragma once

#include "common/error.hpp"

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

// What a catchable signal does to a run: SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 kill the
// external programs still running (with their process groups), remove the temporary output, and
// end the process with exit code 5 -- at once, or, while a Drain is alive, once the process has
// made its journal durable (and never later than the drain's deadline). The handler only reads
// fixed-size tables, so registering and forgetting allocate nothing it could see half-built.
namespace kdsched::interrupt {

// Installs the handlers; `report` makes the handler print `kdsched: error: interrupted by SIGTERM`
// when it removed a file, that is while a run's output is being written (one line per run: only
// the master reports).
void install_signal_handlers(bool report);

// While alive, a signal removes `file` (the master's temporary output). Throws RuntimeError when
// the table is full or the path too long, rather than leave the file unprotected unnoticed.
class RemoveOnSignal {
 public:
  explicit RemoveOnSignal(const std::filesystem::path& file);
  ~RemoveOnSignal();
  // Forgets the file before it is renamed into place. False when a signal has already taken it
  // (it is being removed): the file must then not be committed.
  bool release();
  RemoveOnSignal(const RemoveOnSignal&) = delete;
  RemoveOnSignal& operator=(const RemoveOnSignal&) = delete;

 private:
  int slot_;
};

// While alive, a signal kills process group `group` with SIGKILL (an external program and
// whatever it started). A full table is not an error: such programs still die with their worker.
class KillOnSignal {
 public:
  explicit KillOnSignal(pid_t group);
  ~KillOnSignal();
  KillOnSignal(const KillOnSignal&) = delete;
  KillOnSignal& operator=(const KillOnSignal&) = delete;

 private:
  int slot_;
};

// While alive, a signal starts a drain instead of ending the process: the handler does what it
// always does (kills the programs, removes the files) and returns, drain_requested() turns
// true, and the process's own loop stops, makes what it must durable and exits 5. Should the
// loop not get there -- blocked in MPI, or inside a partition that cannot be interrupted -- a
// thread of the Drain ends the process with exit code 5 `deadline` after the signal.
class Drain {
 public:
  explicit Drain(std::chrono::milliseconds deadline);
  ~Drain();
  Drain(const Drain&) = delete;
  Drain& operator=(const Drain&) = delete;

 private:
  std::thread watcher_;
};

namespace detail {
extern std::atomic<int> drain_signal;
}

// The signal that started a drain, 0 while none has. One relaxed load: cheap enough for every
// pass of a dispatch loop.
inline int drain_requested() { return detail::drain_signal.load(std::memory_order_relaxed); }

// Thrown by a loop that sees drain_requested(): ends the run with exit code 5.
class Interrupted : public Error {
 public:
  explicit Interrupted(int signal);
};

}  // namespace kdsched::interrupt
