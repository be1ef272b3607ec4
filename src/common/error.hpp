#pragma once

#include "common/text.hpp"

#include <stdexcept>
#include <string>

namespace kdsched {

// Process exit codes; the numbers are part of the command-line contract.
enum class ExitCode : int {
  complete = 0,
  failed_partitions = 1,
  usage = 2,
  io = 3,
  runtime = 4,
  interrupted = 5,  // a signal ended the run (see common/interrupt.hpp)
};

// The root of every error kdsched reports to a user. Each class maps to one exit code so that
// whoever catches it last (main, or the master on behalf of a worker) knows how to end the run.
class Error : public std::runtime_error {
 public:
  // what() is a C string, so a NUL from a job-file value would cut the message short: controls
  // are escaped here already.
  Error(ExitCode code, const std::string& message) : std::runtime_error(escape_controls(message)), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

// A wrong command line or job file (exit 2).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(ExitCode::usage, message) {}
};

// A missing, unreadable or unwritable file or dataset, or data of the wrong shape (exit 3).
class IoError : public Error {
 public:
  explicit IoError(const std::string& message) : Error(ExitCode::io, message) {}
};

// MPI failures and broken internal invariants (exit 4).
class RuntimeError : public Error {
 public:
  explicit RuntimeError(const std::string& message) : Error(ExitCode::runtime, message) {}
};

}  // namespace kdsched
