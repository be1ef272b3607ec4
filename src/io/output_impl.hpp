#pragma once

#include "io/handle.hpp"
#include "io/output_file.hpp"

#include <hdf5.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The state behind Group and DatasetWriter, shared by the files that implement the output side.
namespace kdsched::io {

struct Group::Impl {
  h5::Handle group;
  std::string file_label;  // the final output path, the name the user knows, not the temporary's
  std::string path;        // inside the file

  // "dataset '/result/centroids' in 'out.h5'"
  std::string describe(std::string_view kind, const std::string& name) const;

  // Creates `name` with the given type and shape, and any missing groups on the way.
  h5::Handle create_dataset(const std::string& name, hid_t file_type, const std::vector<std::uint64_t>& dims,
                            hid_t creation_properties, std::string_view what);

  // Replaces any attribute of that name: a status is set when a run starts and again when it ends.
  void write_attribute(const std::string& name, hid_t file_type, hid_t memory_type, const void* value);

  template <typename T>
  void write_values(const std::string& name, std::span<const T> values, std::vector<std::uint64_t> dims);

  void write_table(const std::string& name, std::size_t count, hid_t file_type, hid_t memory_type, const void* rows);
};

struct DatasetWriter::Impl {
  h5::Handle dataset;
  std::uint64_t rows = 0;
  std::uint64_t cols = 1;  // 1 for a 1-D dataset
  std::string label;       // as Group::Impl::describe words it

  template <typename T>
  void write_rows(std::uint64_t begin, std::span<const T> values);
};

}  // namespace kdsched::io
