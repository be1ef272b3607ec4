#include "io/output_file.hpp"

#include "common/error.hpp"
#include "common/log.hpp"
#include "io/h5_error.hpp"
#include "io/h5_file.hpp"
#include "io/output_impl.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>
#include <system_error>

namespace kdsched::io {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view temporary_marker = ".tmp-";

// This host's name with anything but [A-Za-z0-9._-] replaced, so that it is safe in a file name.
// Temporary names end in ".<pid>.<hex>", so dots in the name do not make them ambiguous.
std::string host_label() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) {
    throw RuntimeError(fmt::format("cannot tell this host's name: {}", std::strerror(errno)));
  }
  std::string label(name.data());
  for (char& c : label) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  }
  return label.empty() ? "_" : label;
}

std::string random_hex() {
  std::array<unsigned char, 8> bytes{};
  ssize_t got = -1;
  do {
    got = ::getrandom(bytes.data(), bytes.size(), 0);
  } while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(bytes.size())) {
    throw RuntimeError(fmt::format("cannot draw random bytes: {}", std::strerror(errno)));
  }
  std::string hex;
  for (const unsigned char byte : bytes) hex += fmt::format("{:02x}", byte);
  return hex;
}

// "<output>.tmp-<host>.<pid>.<16 hex>": no one can create it in advance, and a later run can tell
// whether the process that made it still runs.
fs::path temporary_for(const fs::path& path) {
  return fmt::format("{}{}{}.{}.{}", path.string(), temporary_marker, host_label(), ::getpid(), random_hex());
}

struct TemporaryOwner {
  std::string host;
  pid_t pid = 0;
};

// The owner named by what follows ".tmp-" in a temporary's name, if it has the current form.
std::optional<TemporaryOwner> parse_owner(std::string_view rest) {
  const auto hex_dot = rest.rfind('.');
  if (hex_dot == std::string_view::npos || hex_dot == 0) return std::nullopt;
  const std::string_view hex = rest.substr(hex_dot + 1);
  const auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  if (hex.size() != 16 || !std::ranges::all_of(hex, is_hex)) return std::nullopt;
  const auto pid_dot = rest.rfind('.', hex_dot - 1);
  if (pid_dot == std::string_view::npos || pid_dot == 0) return std::nullopt;
  const std::string_view digits = rest.substr(pid_dot + 1, hex_dot - pid_dot - 1);
  TemporaryOwner owner{std::string(rest.substr(0, pid_dot)), 0};
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), owner.pid);
  // pid 0 and negative pids name process groups for kill(), never one process.
  if (error != std::errc() || end != digits.data() + digits.size() || owner.pid < 1) return std::nullopt;
  return owner;
}

bool process_is_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// What `path` names; without following, the directory entry itself. A rename replaces a link at
// the output's name, never its target, so the output is always looked at without following.
std::optional<struct stat> stat_of(const fs::path& path, bool follow_link = false) {
  struct stat entry {};
  const int result = follow_link ? ::stat(path.c_str(), &entry) : ::lstat(path.c_str(), &entry);
  if (result != 0) return std::nullopt;
  return entry;
}

// HDF5 holds an exclusive lock on a file it has open for writing: a temporary still locked is
// being written, whatever its name says (a process in another PID namespace has a pid this one
// cannot see). Where locking is off (HDF5_USE_FILE_LOCKING=FALSE) this says "not locked".
bool locked_by_a_writer(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return true;  // what cannot be looked at is left alone
  const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

// A process killed with SIGKILL cannot remove its temporary; the next output of the same name
// removes what such runs of this user on this host left. Anything that may be in use (a live
// process, another host whose processes this one cannot see) or is not plainly this user's own
// file stays.
void remove_stale_temporaries(const fs::path& path) {
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const std::string prefix = path.filename().string() + std::string(temporary_marker);
  const std::string host = host_label();
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const auto owner = parse_owner(std::string_view(name).substr(prefix.size()));
    if (!owner || owner->host != host || !process_is_gone(owner->pid)) continue;
    const auto entry = stat_of(it->path());
    if (!entry || !S_ISREG(entry->st_mode) || entry->st_uid != ::geteuid()) continue;
    if (locked_by_a_writer(it->path())) continue;
    std::error_code ignored;
    if (fs::remove(it->path(), ignored)) {
      log::info("removed '{}', left by process {}, which no longer runs", it->path().string(), owner->pid);
    }
  }
}

[[noreturn]] void throw_unwritable(const fs::path& path, const std::string& reason) {
  throw IoError(fmt::format("cannot write output '{}': {}", path.string(), reason));
}

void refuse_existing(const fs::path& path, bool force) {
  const auto entry = stat_of(path);
  if (!entry) return;
  if (S_ISDIR(entry->st_mode)) throw_unwritable(path, "it is a directory");
  if (!force) throw IoError(fmt::format("output '{}' exists; use --force to overwrite", path.string()));
}

// The folders create_directories(folder) would make, innermost first.
std::vector<fs::path> missing_folders(const fs::path& folder) {
  std::vector<fs::path> missing;
  std::error_code error;
  for (auto current = folder; !current.empty() && !fs::exists(current, error); current = current.parent_path()) {
    missing.push_back(current);
    if (current == current.parent_path()) break;
  }
  return missing;
}

// Creates and removes `file`; the error, if any, says why it could not be created.
std::error_code probe_file(const fs::path& file) {
  int descriptor = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (descriptor < 0) return std::error_code(errno, std::generic_category());
  ::close(descriptor);
  std::error_code error;
  fs::remove(file, error);
  return error;
}

}  // namespace

void check_output_path(const fs::path& output, std::span<const SourceFile> sources) {
  refuse_existing(output, true);
  const auto target = stat_of(output);
  if (!target) return;
  const auto same = [&](const std::optional<struct stat>& entry) {
    return entry && entry->st_dev == target->st_dev && entry->st_ino == target->st_ino;
  };
  for (const auto& source : sources) {
    // The source's own entry too: a link named as both the input and the output would be replaced.
    if (same(stat_of(source.path, true)) || same(stat_of(source.path))) {
      throw UsageError(fmt::format("output '{}' is the same file as {} '{}': writing the result would destroy it",
                                   output.string(), source.role, source.path.string()));
    }
  }
}

void make_own_folder(const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  const auto refuse = [&](const std::string& reason) {
    throw IoError(fmt::format("cannot write into folder '{}': {}", folder.string(), reason));
  };
  if (error) refuse(h5::system_reason(error));
  const auto entry = stat_of(folder);
  if (!entry) refuse(h5::system_reason(std::error_code(errno, std::generic_category())));
  if (S_ISLNK(entry->st_mode)) refuse("it is a symbolic link");
  if (!S_ISDIR(entry->st_mode)) refuse("it is not a directory");
  if (entry->st_uid != ::geteuid()) refuse(fmt::format("it belongs to another user (uid {})", entry->st_uid));
}

struct OutputFile::Impl {
  h5::Handle file;
  bool force = false;
};

OutputFile::OutputFile(const std::filesystem::path& path, bool force) : path_(path), temporary_(temporary_for(path)) {
  refuse_existing(path_, force);
  std::error_code error;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), error);
  if (error) throw_unwritable(path_, h5::system_reason(error));
  remove_stale_temporaries(path_);
  std::string what = fmt::format("cannot write output '{}'", path_.string());
  bool created = false;
  try {
    h5::Handle file = h5::create_file(temporary_, what);
    created = true;
    h5::Handle root(H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose, what);
    impl_ = std::make_unique<Impl>(Impl{std::move(file), force});
    auto root_impl = std::make_unique<Group::Impl>(Group::Impl{std::move(root), path_.string(), "/"});
    root_ = std::unique_ptr<Group>(new Group(std::move(root_impl)));
  } catch (...) {
    root_.reset();
    impl_.reset();
    // A file this process did not create is not its to remove.
    if (created) std::filesystem::remove(temporary_, error);
    throw;
  }
}

OutputFile::~OutputFile() {
  root_.reset();
  if (impl_) impl_->file.reset();
  if (!committed_) {
    std::error_code ignored;
    std::filesystem::remove(temporary_, ignored);
  }
}

Group& OutputFile::root() {
  if (!root_) throw RuntimeError(fmt::format("output '{}' is already committed", path_.string()));
  return *root_;
}

void OutputFile::commit() {
  if (committed_) return;
  // The strong close degree makes this also close the root group and every writer still open.
  impl_->file.close(fmt::format("cannot write output '{}'", path_.string()));
  root_.reset();
  // Another process may have created the output since this one started; without --force, the
  // rename itself refuses to replace it, so there is no moment between a check and the rename.
  refuse_existing(path_, impl_->force);
  if (!impl_->force && ::renameat2(AT_FDCWD, temporary_.c_str(), AT_FDCWD, path_.c_str(), RENAME_NOREPLACE) == 0) {
    committed_ = true;
    return;
  }
  if (!impl_->force && errno == EEXIST) refuse_existing(path_, false);
  // --force, or a file system without RENAME_NOREPLACE (EINVAL): a plain rename.
  std::error_code error;
  std::filesystem::rename(temporary_, path_, error);
  if (error) throw_unwritable(path_, h5::system_reason(error));
  committed_ = true;
}

void OutputFile::check_writable(const std::filesystem::path& path, bool force) {
  refuse_existing(path, force);
  auto folder = path.parent_path();
  auto created = missing_folders(folder);
  std::error_code error;
  if (!folder.empty()) std::filesystem::create_directories(folder, error);
  if (!error) error = probe_file(temporary_for(path));
  std::error_code ignored;
  for (const auto& created_folder : created) std::filesystem::remove(created_folder, ignored);
  if (error) throw_unwritable(path, h5::system_reason(error));
}

}  // namespace kdsched::io
