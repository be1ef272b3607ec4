#include "io/output_file.hpp"

#include "common/error.hpp"
#include "io/h5_error.hpp"
#include "io/h5_file.hpp"
#include "io/output_impl.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace kdsched::io {
namespace {

std::filesystem::path temporary_for(const std::filesystem::path& path) {
  return path.string() + ".tmp-" + std::to_string(::getpid());
}

[[noreturn]] void throw_unwritable(const std::filesystem::path& path, const std::string& reason) {
  throw IoError(fmt::format("cannot write output '{}': {}", path.string(), reason));
}

void refuse_existing(const std::filesystem::path& path, bool force) {
  std::error_code error;
  auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) return;
  if (!force) throw IoError(fmt::format("output '{}' exists; use --force to overwrite", path.string()));
  if (std::filesystem::is_directory(status)) throw_unwritable(path, "it is a directory");
}

// The folders create_directories(folder) would make, innermost first.
std::vector<std::filesystem::path> missing_folders(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> missing;
  std::error_code error;
  for (auto current = folder; !current.empty() && !std::filesystem::exists(current, error);
       current = current.parent_path()) {
    missing.push_back(current);
    if (current == current.parent_path()) break;
  }
  return missing;
}

// Creates and removes `file`; the error, if any, says why it could not be created.
std::error_code probe_file(const std::filesystem::path& file) {
  int descriptor = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (descriptor < 0) {
    // The temporary of an output this process is writing proves the folder writable; leave it be.
    return errno == EEXIST ? std::error_code() : std::error_code(errno, std::generic_category());
  }
  ::close(descriptor);
  std::error_code error;
  std::filesystem::remove(file, error);
  return error;
}

}  // namespace

struct OutputFile::Impl {
  h5::Handle file;
  bool force = false;
};

OutputFile::OutputFile(const std::filesystem::path& path, bool force) : path_(path), temporary_(temporary_for(path)) {
  refuse_existing(path_, force);
  std::error_code error;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), error);
  if (error) throw_unwritable(path_, h5::system_reason(error));
  std::string what = fmt::format("cannot write output '{}'", path_.string());
  try {
    h5::Handle file = h5::create_file(temporary_, what);
    h5::Handle root(H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose, what);
    impl_ = std::make_unique<Impl>(Impl{std::move(file), force});
    auto root_impl = std::make_unique<Group::Impl>(Group::Impl{std::move(root), path_.string(), "/"});
    root_ = std::unique_ptr<Group>(new Group(std::move(root_impl)));
  } catch (...) {
    root_.reset();
    impl_.reset();
    std::filesystem::remove(temporary_, error);
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
  // Another process may have created the output since this one started.
  refuse_existing(path_, impl_->force);
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
