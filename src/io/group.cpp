#include "common/error.hpp"
#include "io/h5_error.hpp"
#include "io/h5_path.hpp"
#include "io/h5_tables.hpp"
#include "io/h5_types.hpp"
#include "io/output_impl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <numeric>

namespace kdsched::io {
namespace {

// Link creation that makes any missing groups on the way ("itemsets/support" under /result).
h5::Handle creating_intermediate_groups(std::string_view what) {
  h5::Handle links(H5Pcreate(H5P_LINK_CREATE), H5Pclose, what);
  h5::check(H5Pset_create_intermediate_group(links.get(), 1), what);
  return links;
}

}  // namespace

std::string Group::Impl::describe(std::string_view kind, const std::string& name) const {
  return fmt::format("{} '{}' in '{}'", kind, h5::join_path(path, name), file_label);
}

h5::Handle Group::Impl::create_dataset(const std::string& name, hid_t file_type, const std::vector<std::uint64_t>& dims,
                                       hid_t creation_properties, std::string_view what) {
  std::vector<hsize_t> extent(dims.begin(), dims.end());
  h5::Handle space(H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr), H5Sclose, what);
  h5::Handle links = creating_intermediate_groups(what);
  return h5::Handle(
      H5Dcreate2(group.get(), name.c_str(), file_type, space.get(), links.get(), creation_properties, H5P_DEFAULT),
      H5Dclose, what);
}

void Group::Impl::write_attribute(const std::string& name, hid_t file_type, hid_t memory_type, const void* value) {
  std::string what = fmt::format("cannot write attribute '{}' of {}", name, describe("group", {}));
  if (h5::check(H5Aexists(group.get(), name.c_str()), what) > 0) {
    h5::check(H5Adelete(group.get(), name.c_str()), what);
  }
  h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose, what);
  h5::Handle attribute(H5Acreate2(group.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       H5Aclose, what);
  h5::check(H5Awrite(attribute.get(), memory_type, value), what);
}

template <typename T>
void Group::Impl::write_values(const std::string& name, std::span<const T> values, std::vector<std::uint64_t> dims) {
  if (dims.empty()) dims = {values.size()};
  auto elements = std::accumulate(dims.begin(), dims.end(), std::uint64_t{1}, std::multiplies<>());
  if (elements != values.size()) {
    throw RuntimeError(fmt::format("{} values do not fill the shape of {}", values.size(), describe("dataset", name)));
  }
  std::string what = "cannot write " + describe("dataset", name);
  h5::Handle dataset = create_dataset(name, h5::Native<T>::file(), dims, H5P_DEFAULT, what);
  if (values.empty()) return;
  h5::check(H5Dwrite(dataset.get(), h5::Native<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), what);
}

void Group::Impl::write_table(const std::string& name, std::size_t count, hid_t file_type, hid_t memory_type,
                              const void* rows) {
  std::string what = "cannot write " + describe("table", name);
  h5::Handle dataset = create_dataset(name, file_type, {count}, H5P_DEFAULT, what);
  if (count == 0) return;
  h5::check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows), what);
}

Group::Group(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Group::~Group() = default;
Group::Group(Group&&) noexcept = default;
Group& Group::operator=(Group&&) noexcept = default;

Group Group::create_group(const std::string& name) {
  std::string what = "cannot create " + impl_->describe("group", name);
  h5::Handle links = creating_intermediate_groups(what);
  h5::Handle group(H5Gcreate2(impl_->group.get(), name.c_str(), links.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose, what);
  return Group(std::make_unique<Impl>(Impl{std::move(group), impl_->file_label, h5::join_path(impl_->path, name)}));
}

void Group::set_attribute(const std::string& name, const std::string& value) {
  h5::Handle text = h5::utf8_string_type();
  const char* characters = value.c_str();
  impl_->write_attribute(name, text.get(), text.get(), &characters);
}

void Group::set_attribute(const std::string& name, double value) {
  impl_->write_attribute(name, h5::Native<double>::file(), h5::Native<double>::memory(), &value);
}

void Group::set_attribute(const std::string& name, std::int64_t value) {
  impl_->write_attribute(name, h5::Native<std::int64_t>::file(), h5::Native<std::int64_t>::memory(), &value);
}

void Group::set_attribute(const std::string& name, std::uint64_t value) {
  impl_->write_attribute(name, h5::Native<std::uint64_t>::file(), h5::Native<std::uint64_t>::memory(), &value);
}

void Group::write(const std::string& name, std::span<const double> values, std::vector<std::uint64_t> dims) {
  impl_->write_values(name, values, std::move(dims));
}

void Group::write(const std::string& name, std::span<const std::uint64_t> values, std::vector<std::uint64_t> dims) {
  impl_->write_values(name, values, std::move(dims));
}

void Group::write(const std::string& name, std::span<const std::int64_t> values, std::vector<std::uint64_t> dims) {
  impl_->write_values(name, values, std::move(dims));
}

void Group::write(const std::string& name, std::span<const std::int32_t> values, std::vector<std::uint64_t> dims) {
  impl_->write_values(name, values, std::move(dims));
}

void Group::write_partitions(const std::string& name, std::span<const PartitionRecord> records) {
  h5::Handle file_type = h5::partition_type(h5::Layout::file);
  h5::Handle memory_type = h5::partition_type(h5::Layout::memory);
  impl_->write_table(name, records.size(), file_type.get(), memory_type.get(), records.data());
}

void Group::write_workers(const std::string& name, std::span<const WorkerRecord> records) {
  std::vector<h5::WorkerRow> rows;
  rows.reserve(records.size());
  std::transform(records.begin(), records.end(), std::back_inserter(rows), h5::to_row);
  h5::Handle file_type = h5::worker_type(h5::Layout::file);
  h5::Handle memory_type = h5::worker_type(h5::Layout::memory);
  impl_->write_table(name, rows.size(), file_type.get(), memory_type.get(), rows.data());
}

DatasetWriter Group::create_dataset(const std::string& name, ElementType type, std::uint64_t rows, std::uint64_t cols,
                                    std::uint64_t chunk_rows) {
  std::string label = impl_->describe("dataset", name);
  std::string what = "cannot create " + label;
  std::vector<std::uint64_t> dims =
      cols == 0 ? std::vector<std::uint64_t>{rows} : std::vector<std::uint64_t>{rows, cols};
  h5::Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, what);
  // HDF5 refuses chunks larger than a fixed-size dataset, and chunks of zero rows.
  if (chunk_rows > 0 && rows > 0) {
    std::vector<hsize_t> chunk(dims.begin(), dims.end());
    chunk[0] = std::min(chunk_rows, rows);
    h5::check(H5Pset_chunk(properties.get(), static_cast<int>(chunk.size()), chunk.data()), what);
  }
  h5::Handle dataset = impl_->create_dataset(name, h5::file_type(type), dims, properties.get(), what);
  return DatasetWriter(std::make_unique<DatasetWriter::Impl>(
      DatasetWriter::Impl{std::move(dataset), rows, cols == 0 ? 1 : cols, std::move(label)}));
}

}  // namespace kdsched::io
