#include "io/input_file.hpp"

#include "io/library_gate.hpp"

#include "common/error.hpp"
#include "io/h5_error.hpp"
#include "io/h5_file.hpp"
#include "io/h5_path.hpp"
#include "io/h5_rows.hpp"
#include "io/h5_types.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

namespace kdsched::io {
namespace {

struct OpenDataset {
  h5::Handle id;
  DatasetInfo info;
};

std::string format_shape(const std::vector<std::uint64_t>& dims) {
  return dims.empty() ? std::string("scalar") : fmt::format("{}", fmt::join(dims, "x"));
}

std::optional<std::uint64_t> chunk_rows(hid_t dataset, int rank, std::string_view what) {
  h5::Handle properties(H5Dget_create_plist(dataset), H5Pclose, what);
  if (h5::check(H5Pget_layout(properties.get()), what) != H5D_CHUNKED) return std::nullopt;
  hsize_t chunk[2] = {0, 0};
  h5::check(H5Pget_chunk(properties.get(), rank, chunk), what);
  return chunk[0];
}

}  // namespace

struct InputFile::Impl {
  std::filesystem::path path;
  h5::Handle file;
  // Datasets stay open: a worker reads many partitions of the same one.
  std::map<std::string, OpenDataset> datasets;

  std::string describe(const std::string& dataset) const {
    return fmt::format("dataset '{}' in '{}'", dataset, path.string());
  }

  const OpenDataset& open(const std::string& name) {
    if (auto found = datasets.find(name); found != datasets.end()) return found->second;
    if (!h5::object_exists(file.get(), name)) {
      throw IoError(fmt::format("dataset '{}' not found in '{}'", name, path.string()));
    }
    std::string what = "cannot open " + describe(name);
    h5::Handle dataset(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose, what);
    h5::Handle type(H5Dget_type(dataset.get()), H5Tclose, what);
    auto element = h5::element_type_of(type.get(), what);
    if (!element) {
      throw IoError(fmt::format("{} has unsupported type {}; expected int8..int64, uint8..uint64, float32 or float64",
                                describe(name), h5::describe_type(type.get(), what)));
    }
    auto dims = h5::dataset_dims(dataset.get(), what);
    if (dims.empty() || dims.size() > 2) {
      throw IoError(fmt::format("{} has unsupported shape {}; expected a 1-D or 2-D dataset", describe(name),
                                format_shape(dims)));
    }
    DatasetInfo info{name, dims, *element, chunk_rows(dataset.get(), static_cast<int>(dims.size()), what)};
    return datasets.emplace(name, OpenDataset{std::move(dataset), std::move(info)}).first->second;
  }
};

InputFile::InputFile(const std::filesystem::path& path)
    : impl_(std::make_unique<Impl>(Impl{path, h5::open_read_only(path), {}})) {}

InputFile::~InputFile() = default;
InputFile::InputFile(InputFile&&) noexcept = default;
InputFile& InputFile::operator=(InputFile&&) noexcept = default;

const std::filesystem::path& InputFile::path() const { return impl_->path; }

DatasetInfo InputFile::dataset_info(const std::string& dataset) const {
  const std::lock_guard gate(library_gate());
  return impl_->open(dataset).info;
}

std::mutex& library_gate() {
  static std::mutex gate;
  return gate;
}

// Rows [begin, end) into `values`, converted by HDF5 to `memory_type` on the way.
template <typename T>
std::uint64_t InputFile::read_into(const std::string& dataset, std::uint64_t begin, std::uint64_t end,
                                   std::vector<T>& values) const {
  const std::lock_guard gate(library_gate());
  const OpenDataset& open = impl_->open(dataset);
  if (begin > end || end > open.info.rows()) {
    throw IoError(
        fmt::format("rows [{}, {}) are outside {} ({} rows)", begin, end, impl_->describe(dataset), open.info.rows()));
  }
  const std::uint64_t rows = end - begin;
  values.resize(rows * open.info.cols());
  if (rows == 0) return open.info.cols();
  std::string what = fmt::format("cannot read rows [{}, {}) of {}", begin, end, impl_->describe(dataset));
  h5::Handle file_space = h5::select_rows(open.id.get(), begin, rows, what);
  h5::Handle memory_space =
      h5::memory_space_of_rows(rows, open.info.cols(), static_cast<int>(open.info.dims.size()), what);
  const hid_t memory_type = std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64;
  h5::check(H5Dread(open.id.get(), memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, values.data()), what);
  return open.info.cols();
}

void InputFile::read_rows(const std::string& dataset, std::uint64_t begin, std::uint64_t end, Block& out) const {
  out.cols = read_into(dataset, begin, end, out.values);
  out.rows = end - begin;
}

std::vector<std::int64_t> InputFile::read_i64(const std::string& dataset, std::uint64_t begin, std::uint64_t end) const {
  std::vector<std::int64_t> values;
  read_into(dataset, begin, end, values);
  return values;
}

std::vector<double> InputFile::read_vector(const std::string& dataset) const {
  const DatasetInfo info = dataset_info(dataset);
  if (info.cols() != 1) {
    throw IoError(
        fmt::format("{} has shape {}; expected a 1-D dataset", impl_->describe(dataset), format_shape(info.dims)));
  }
  Block block;
  read_rows(dataset, 0, info.rows(), block);
  return std::move(block.values);
}

}  // namespace kdsched::io
