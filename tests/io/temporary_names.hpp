#pragma once

#include "io/output_file.hpp"
#include "io/temp_dir.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <string>

// What tests need to plant temporaries as other processes would have left them.
namespace kdsched::io::testing {

// The pid of a process that has ended and been reaped: no process of that pid runs.
inline pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

// This host as temporary names spell it, read from the temporary of an output made here.
inline std::string host_in_temporary_names() {
  TempDir dir;
  OutputFile out(dir / "probe.h5", false);
  std::string rest = out.temporary().filename().string().substr(std::string("probe.h5.tmp-").size());
  rest.erase(rest.rfind('.'));  // the random digits
  rest.erase(rest.rfind('.'));  // the pid
  return rest;
}

// "<output>.tmp-<host>.<pid>.<16 times digit>": a temporary of the current form.
inline std::string temporary_name(const std::string& output, const std::string& host, pid_t pid, char digit) {
  return output + ".tmp-" + host + "." + std::to_string(pid) + "." + std::string(16, digit);
}

}  // namespace kdsched::io::testing
