#include "kernels/process.hpp"

#include "common/error.hpp"
#include "common/interrupt.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

namespace kdsched::kernels {
namespace {

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

// A file descriptor, closed whatever happens.
class Descriptor {
 public:
  explicit Descriptor(int fd = -1) : fd_(fd) {}
  ~Descriptor() { reset(); }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

Descriptor open_or_throw(const std::filesystem::path& file, int flags) {
  const int fd = ::open(file.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(fmt::format("cannot open '{}': {}", file.string(), std::strerror(errno)));
  return Descriptor(fd);
}

// Everything the processes forked below need, prepared before the fork: after it, in a
// multi-threaded process, only async-signal-safe calls are allowed (no allocation).
struct Launch {
  char* const* argv;
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  int error_pipe;  // close-on-exec: the errno of a failed fork or exec, or nothing
  pid_t worker;
};

[[noreturn]] void report_errno_and_exit(int pipe) {
  const int error = errno;
  const ssize_t written = ::write(pipe, &error, sizeof error);
  static_cast<void>(written);  // the exit code 127 still says it failed
  _exit(127);
}

void reset_signals() {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  for (int signal = 1; signal < NSIG; ++signal) sigaction(signal, &action, nullptr);
}

// The program itself: defaults for every signal (handled or ignored ones do not survive into a
// program that does not expect them), killed if its supervisor dies, stdio redirected.
[[noreturn]] void exec_program(const Launch& launch, pid_t supervisor) {
  reset_signals();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != supervisor) _exit(127);
  if (dup2(launch.stdin_fd, STDIN_FILENO) < 0 || dup2(launch.stdout_fd, STDOUT_FILENO) < 0 ||
      dup2(launch.stderr_fd, STDERR_FILENO) < 0) {
    report_errno_and_exit(launch.error_pipe);
  }
  // The worker's own descriptors (MPI's sockets and shared memory among them) stay out of the
  // program; failing on an old kernel only means they leak as they did before.
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // glibc's execvp searches PATH on the stack, without allocating.
  execvp(launch.argv[0], launch.argv);
  report_errno_and_exit(launch.error_pipe);
}

void kill_own_group(int /*signal*/) {
  kill(0, SIGKILL);
  _exit(128 + SIGKILL);
}

// The supervisor: leader of the program's process group, it outlives the program only to take
// the whole group down when its worker dies, however the worker dies. Linux tells it with SIGTERM
// (PR_SET_PDEATHSIG fires when the thread that forked it ends, and that thread waits for it).
[[noreturn]] void supervise(const Launch& launch) {
  setpgid(0, 0);
  reset_signals();
  struct sigaction action {};
  action.sa_handler = kill_own_group;
  sigfillset(&action.sa_mask);
  for (const int signal : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM}) sigaction(signal, &action, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  // The worker may have died before the line above.
  if (getppid() != launch.worker) kill_own_group(SIGTERM);
  const pid_t self = getpid();
  const pid_t program = fork();
  if (program < 0) report_errno_and_exit(launch.error_pipe);
  if (program == 0) exec_program(launch, self);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  int status = 0;
  while (waitpid(program, &status, 0) < 0) {
    if (errno != EINTR) _exit(255);
  }
  _exit(exit_code_of(status));
}

// Forks the supervisor with every signal blocked, so that none reaches the child before it has
// replaced the handlers it inherits (kdsched's own would remove the master's output).
pid_t fork_supervisor(const Launch& launch) {
  sigset_t all;
  sigset_t before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  const pid_t pid = fork();
  if (pid == 0) supervise(launch);
  const int fork_error = errno;
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  errno = fork_error;
  return pid;
}

// Whether the process has ended, without reaping it: its pid, and so its process group's id,
// stays reserved until waitpid, so killing the group afterwards cannot hit a stranger.
bool has_ended(pid_t pid) {
  siginfo_t info{};
  while (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
    if (errno != EINTR) throw RuntimeError(fmt::format("waiting for process {} failed: {}", pid, std::strerror(errno)));
  }
  return info.si_pid == pid;
}

std::string program_problem_at(const std::filesystem::path& file) {
  struct stat status {};
  if (::stat(file.c_str(), &status) != 0) return "not found";
  if (S_ISDIR(status.st_mode)) return "is a directory";
  if (!S_ISREG(status.st_mode) || ::access(file.c_str(), X_OK) != 0) return "is not executable";
  return {};
}

}  // namespace

std::string program_problem(const std::string& program) {
  if (program.empty()) return "not found";
  if (program.find('/') != std::string::npos) return program_problem_at(program);
  const char* path = std::getenv("PATH");
  std::istringstream folders(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string folder; std::getline(folders, folder, ':');) {
    if (program_problem_at((folder.empty() ? std::string(".") : folder) + "/" + program).empty()) return {};
  }
  return "not found";
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
                          const std::filesystem::path& stderr_file, std::optional<std::chrono::duration<double>> timeout) {
  const Descriptor stdin_fd = open_or_throw("/dev/null", O_RDONLY);
  // Never through a link planted at a log's name: the program's output would land in that file.
  constexpr int log_flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
  const Descriptor stdout_fd = open_or_throw(stdout_file, log_flags);
  const Descriptor stderr_fd = open_or_throw(stderr_file, log_flags);
  int pipe_ends[2];
  if (pipe2(pipe_ends, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw RuntimeError(fmt::format("cannot run '{}': {}", argv[0], std::strerror(errno)));
  }
  const Descriptor error_in(pipe_ends[0]);
  Descriptor error_out(pipe_ends[1]);

  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const Launch launch{args.data(), stdin_fd.get(), stdout_fd.get(), stderr_fd.get(), error_out.get(), getpid()};

  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork_supervisor(launch);
  if (pid < 0) throw RuntimeError(fmt::format("cannot run '{}': {}", argv[0], std::strerror(errno)));
  // Also here, so that the group exists before anything below may kill it.
  setpgid(pid, pid);
  error_out.reset();
  ProcessResult result;
  {
    // Forgotten before the supervisor is reaped, after which its pid may name another group.
    const interrupt::KillOnSignal kill_on_signal(pid);
    auto pause = std::chrono::microseconds(100);
    while (!has_ended(pid)) {
      if (timeout && std::chrono::steady_clock::now() - start >= *timeout) {
        result.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(10'000));
    }
    // What the program left running in its group ends with it, as everything does on a timeout.
    kill(-pid, SIGKILL);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw RuntimeError(fmt::format("waiting for '{}' failed: {}", argv[0], std::strerror(errno)));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int error = 0;
  if (!result.timed_out && ::read(error_in.get(), &error, sizeof error) == sizeof error) {
    throw RuntimeError(fmt::format("cannot run '{}': {}", argv[0], std::strerror(error)));
  }
  result.exit_code = result.timed_out ? 124 : exit_code_of(status);
  return result;
}

}  // namespace kdsched::kernels
