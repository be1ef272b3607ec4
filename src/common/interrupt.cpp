#include "common/interrupt.hpp"

#include "common/error.hpp"

#include <fmt/format.h>
#include <limits.h>
#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <string_view>

namespace kdsched::interrupt {
namespace {

static_assert(std::atomic<int>::is_always_lock_free && std::atomic<pid_t>::is_always_lock_free,
              "a signal handler may only touch lock-free atomics");

// A file slot is claimed (free -> writing) before its path is copied and published (ready) after;
// the handler takes a ready slot (ready -> taken) before reading it, and forgetting a slot frees
// it only if it is still ready. So the handler never reads a path while it is being written.
enum SlotState : int { free_slot, writing, ready, taken };
constexpr std::size_t file_slots = 16;
std::array<std::atomic<int>, file_slots> file_states{};
std::array<std::array<char, PATH_MAX>, file_slots> file_paths{};

constexpr std::size_t group_slots = 256;
std::array<std::atomic<pid_t>, group_slots> groups{};

// A drain: armed while a Drain is alive; the handler wakes its watcher through the semaphore,
// the one way to wake a thread that is safe inside a signal handler.
std::atomic<bool> drain_armed{false};
std::atomic<bool> drain_over{false};
sem_t drain_wakeup;

std::atomic<bool> report_interrupt{false};
std::atomic<pid_t> installed_by{0};
std::atomic<bool> handling{false};

struct Caught {
  int signal;
  std::string_view line;
};
constexpr std::array<Caught, 5> caught{{
    {SIGTERM, "kdsched: error: interrupted by SIGTERM\n"},
    {SIGINT, "kdsched: error: interrupted by SIGINT\n"},
    {SIGHUP, "kdsched: error: interrupted by SIGHUP\n"},
    {SIGUSR1, "kdsched: error: interrupted by SIGUSR1\n"},
    {SIGUSR2, "kdsched: error: interrupted by SIGUSR2\n"},
}};

void on_signal(int signal) {
  // A child forked before it reset its handlers owns neither the programs nor the output.
  if (getpid() != installed_by.load()) _exit(128 + signal);
  // Signals may arrive on several threads at once: the first one ends the process, or starts
  // the drain, which later ones leave to go on.
  if (handling.exchange(true)) {
    if (drain_armed.load()) return;
    while (true) pause();
  }
  for (auto& group : groups) {
    if (const pid_t id = group.load(); id > 0) kill(-id, SIGKILL);
  }
  bool removed = false;
  for (std::size_t slot = 0; slot < file_slots; ++slot) {
    int expected = ready;
    if (file_states[slot].compare_exchange_strong(expected, taken)) {
      unlink(file_paths[slot].data());
      removed = true;
    }
  }
  // Only a run in progress is interrupted: once its result is committed, or its error reported
  // and its output discarded, the TERM that mpirun sends while it ends the job adds no line.
  if (report_interrupt.load() && removed) {
    for (const auto& [number, line] : caught) {
      if (number != signal) continue;
      const ssize_t written = write(STDERR_FILENO, line.data(), line.size());
      static_cast<void>(written);  // nothing more can be done about a lost line here
    }
  }
  if (drain_armed.load()) {
    detail::drain_signal.store(signal);
    sem_post(&drain_wakeup);
    return;
  }
  _exit(static_cast<int>(ExitCode::interrupted));
}

}  // namespace

namespace detail {
std::atomic<int> drain_signal{0};
}

void install_signal_handlers(bool report) {
  report_interrupt.store(report);
  installed_by.store(getpid());
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  for (const auto& entry : caught) sigaddset(&action.sa_mask, entry.signal);
  for (const auto& entry : caught) sigaction(entry.signal, &action, nullptr);
}

RemoveOnSignal::RemoveOnSignal(const std::filesystem::path& file) : slot_(-1) {
  const std::string& text = file.native();
  if (text.size() >= PATH_MAX) throw RuntimeError("path too long to remove on a signal: " + text);
  for (std::size_t slot = 0; slot < file_slots; ++slot) {
    int expected = free_slot;
    if (!file_states[slot].compare_exchange_strong(expected, writing)) continue;
    std::memcpy(file_paths[slot].data(), text.c_str(), text.size() + 1);
    file_states[slot].store(ready);
    slot_ = static_cast<int>(slot);
    return;
  }
  throw RuntimeError("too many files to remove on a signal");
}

RemoveOnSignal::~RemoveOnSignal() {
  if (slot_ < 0) return;
  int expected = ready;
  file_states[static_cast<std::size_t>(slot_)].compare_exchange_strong(expected, free_slot);
}

KillOnSignal::KillOnSignal(pid_t group) : slot_(-1) {
  for (std::size_t slot = 0; slot < group_slots; ++slot) {
    pid_t expected = 0;
    if (groups[slot].compare_exchange_strong(expected, group)) {
      slot_ = static_cast<int>(slot);
      return;
    }
  }
}

KillOnSignal::~KillOnSignal() {
  if (slot_ >= 0) groups[static_cast<std::size_t>(slot_)].store(0);
}

bool RemoveOnSignal::release() {
  if (slot_ < 0) return true;
  int expected = ready;
  const bool released = file_states[static_cast<std::size_t>(slot_)].compare_exchange_strong(expected, free_slot);
  slot_ = -1;
  return released;
}

Drain::Drain(std::chrono::milliseconds deadline) {
  sem_init(&drain_wakeup, 0, 0);
  drain_over.store(false);
  watcher_ = std::thread([deadline] {
    while (sem_wait(&drain_wakeup) != 0) {
    }
    if (drain_over.load()) return;
    std::this_thread::sleep_for(deadline);
    _exit(static_cast<int>(ExitCode::interrupted));
  });
  drain_armed.store(true);
}

// A drain under way keeps its deadline: the process is on its way out, but may yet block.
Drain::~Drain() {
  drain_armed.store(false);
  if (drain_requested() != 0) {
    watcher_.detach();
    return;
  }
  drain_over.store(true);
  sem_post(&drain_wakeup);
  watcher_.join();
  // Not destroyed: a handler that saw the drain armed just before may still post it (the next
  // Drain initializes it afresh).
}

Interrupted::Interrupted(int signal)
    : Error(ExitCode::interrupted, signal > 0 && sigabbrev_np(signal) != nullptr
                                       ? fmt::format("interrupted by SIG{}", sigabbrev_np(signal))
                                       : std::string("interrupted by a signal")) {}

}  // namespace kdsched::interrupt
