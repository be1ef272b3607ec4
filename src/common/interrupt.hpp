#pragma once

#include <sys/types.h>

#include <filesystem>

// What a catchable signal does to a run: SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 kill the
// external programs still running (with their process groups), remove the temporary output, and
// end the process with exit code 5. The handler only reads fixed-size tables, so registering and
// forgetting allocate nothing it could see half-built.
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

}  // namespace kdsched::interrupt
