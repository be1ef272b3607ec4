#pragma once

#include <hdf5.h>

#include <string>

namespace kdsched::io::h5 {

// Whether `path` names an object under `location`. Each link on the way is tested in turn, because
// HDF5 treats a missing intermediate group as an error rather than as a no.
bool object_exists(hid_t location, const std::string& path);

// "/result" + "centroids" -> "/result/centroids"; a name starting with '/' is already absolute,
// and an empty name is the group itself.
std::string join_path(const std::string& group, const std::string& name);

}  // namespace kdsched::io::h5
