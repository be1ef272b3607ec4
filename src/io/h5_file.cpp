#include "io/h5_file.hpp"

#include "common/error.hpp"
#include "io/h5_error.hpp"

#include <string>
#include <system_error>

namespace kdsched::io::h5 {
namespace {

Handle file_access(std::string_view what) {
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, what);
  // Some parallel file systems do not support locks at all; files should still open there.
  check(H5Pset_file_locking(access.get(), true, true), what);
  return access;
}

}  // namespace

Handle open_read_only(const std::filesystem::path& path) {
  silence_automatic_printing();
  std::string what = "cannot open '" + path.string() + "'";
  // When existence cannot be told (an unreadable folder), HDF5's own open reports the reason.
  std::error_code error;
  if (!std::filesystem::exists(path, error) && !error) throw IoError(what + ": no such file");
  Handle access = file_access(what);
  return Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose, what);
}

Handle create_file(const std::filesystem::path& path, std::string_view what) {
  silence_automatic_printing();
  Handle access = file_access(what);
  check(H5Pset_fclose_degree(access.get(), H5F_CLOSE_STRONG), what);
  return Handle(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, access.get()), H5Fclose, what);
}

}  // namespace kdsched::io::h5
