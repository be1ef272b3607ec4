#pragma once

#include "io/handle.hpp"

#include <filesystem>
#include <string_view>

namespace kdsched::io::h5 {

// An existing file opened read-only with the default (POSIX) driver; IoError when it is missing
// or not HDF5.
Handle open_read_only(const std::filesystem::path& path);

// A new, empty file, created exclusively (O_CREAT | O_EXCL): anything already at `path`, even a
// dangling link, makes it fail, so it never writes through a link. Closing it closes every group and dataset
// still open in it, so that once closed the file is complete whatever objects are still around.
Handle create_file(const std::filesystem::path& path, std::string_view what);

}  // namespace kdsched::io::h5
