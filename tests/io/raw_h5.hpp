#pragma once

#include "io/h5_error.hpp"
#include "io/handle.hpp"

#include <hdf5.h>

#include <filesystem>
#include <string>
#include <vector>

// Files written and inspected with the plain HDF5 API: shapes and types kdsched itself never
// writes, and checks of exactly what it did write.
namespace kdsched::io::testing {

inline h5::Handle open_raw(const std::filesystem::path& path, unsigned flags) {
  h5::silence_automatic_printing();
  return h5::Handle(H5Fopen(path.c_str(), flags, H5P_DEFAULT), H5Fclose, "open " + path.string());
}

inline h5::Handle create_raw(const std::filesystem::path& path) {
  h5::silence_automatic_printing();
  return h5::Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                    "create " + path.string());
}

inline void write_raw(hid_t file, const std::string& name, hid_t type, const std::vector<hsize_t>& dims,
                      const void* data) {
  h5::Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, "space");
  h5::Handle dataset(H5Dcreate2(file, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
                     "create " + name);
  h5::check(H5Dwrite(dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write " + name);
}

inline void write_string_dataset(hid_t file, const std::string& name) {
  h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  h5::check(H5Tset_size(type.get(), 4), "string size");
  const char text[] = "abcdefgh";
  write_raw(file, name, type.get(), {2}, text);
}

inline void write_fixed_string_attribute(hid_t file, const std::string& name, const std::string& value) {
  h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  h5::check(H5Tset_size(type.get(), value.size() + 3), "string size");
  h5::check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "string padding");
  std::string padded = value + std::string(3, '\0');
  h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose, "space");
  h5::Handle attribute(H5Acreate2(file, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                       "create " + name);
  h5::check(H5Awrite(attribute.get(), type.get(), padded.data()), "write " + name);
}

}  // namespace kdsched::io::testing
