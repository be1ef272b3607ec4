#include "io/result_file.hpp"

#include "common/error.hpp"
#include "io/h5_error.hpp"
#include "io/h5_file.hpp"
#include "io/h5_path.hpp"
#include "io/h5_rows.hpp"
#include "io/h5_tables.hpp"
#include "io/h5_types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <limits>
#include <numeric>
#include <type_traits>

namespace kdsched::io {
namespace {

// Frees what HDF5 allocated for variable-length strings while reading into `buffer`, also when
// the read or a conversion after it throws.
class Reclaim {
 public:
  Reclaim(hid_t type, hid_t space, void* buffer) : type_(type), space_(space), buffer_(buffer) {}
  ~Reclaim() {
    if (buffer_ && reclaim(type_, space_, H5P_DEFAULT, buffer_) < 0) h5::discard_error();
  }
  Reclaim(const Reclaim&) = delete;
  Reclaim& operator=(const Reclaim&) = delete;

 private:
  // HDF5 1.12 renamed the call; 1.10 (Debian 12) only has the old name.
#if H5_VERSION_GE(1, 12, 0)
  static constexpr auto reclaim = H5Treclaim;
#else
  static constexpr auto reclaim = H5Dvlen_reclaim;
#endif
  hid_t type_;
  hid_t space_;
  void* buffer_;
};

// A C callback: it must not let an exception escape into HDF5.
herr_t collect_name(hid_t /*location*/, const char* name, const H5A_info_t* /*info*/, void* names) noexcept {
  try {
    static_cast<std::vector<std::string>*>(names)->emplace_back(name);
    return 0;
  } catch (...) {
    return -1;
  }
}

std::string read_string(hid_t attribute, hid_t type, hid_t space, std::string_view what) {
  h5::Handle memory_type(H5Tcopy(type), H5Tclose, what);
  if (h5::check(H5Tis_variable_str(type), what) > 0) {
    char* text = nullptr;
    Reclaim reclaim(memory_type.get(), space, &text);
    h5::check(H5Aread(attribute, memory_type.get(), &text), what);
    return text ? text : "";
  }
  std::string text(h5::check(H5Tget_size(type), what), '\0');
  h5::check(H5Aread(attribute, memory_type.get(), text.data()), what);
  text.resize(std::min(text.size(), text.find('\0')));
  if (h5::check(H5Tget_strpad(type), what) == H5T_STR_SPACEPAD) text.erase(text.find_last_not_of(' ') + 1);
  return text;
}

template <typename T>
T read_scalar(hid_t attribute, std::string_view what) {
  T value{};
  h5::check(H5Aread(attribute, h5::Native<T>::memory(), &value), what);
  return value;
}

std::optional<AttributeValue> read_attribute(hid_t object, const std::string& name, std::string_view what) {
  h5::Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, what);
  h5::Handle type(H5Aget_type(attribute.get()), H5Tclose, what);
  h5::Handle space(H5Aget_space(attribute.get()), H5Sclose, what);
  if (h5::check(H5Sget_simple_extent_npoints(space.get()), what) != 1) return std::nullopt;
  switch (h5::check(H5Tget_class(type.get()), what)) {
    case H5T_STRING: return read_string(attribute.get(), type.get(), space.get(), what);
    case H5T_FLOAT: return read_scalar<double>(attribute.get(), what);
    case H5T_INTEGER:
      if (h5::check(H5Tget_sign(type.get()), what) == H5T_SGN_NONE) {
        return read_scalar<std::uint64_t>(attribute.get(), what);
      }
      return read_scalar<std::int64_t>(attribute.get(), what);
    default: return std::nullopt;
  }
}

}  // namespace

struct ResultFile::Impl {
  std::filesystem::path path;
  h5::Handle file;

  std::string describe(std::string_view kind, const std::string& name) const {
    return fmt::format("{} '{}' in '{}'", kind, name, path.string());
  }

  void require(std::string_view kind, const std::string& name) const {
    if (!h5::object_exists(file.get(), name)) {
      throw IoError(fmt::format("{} '{}' not found in '{}'", kind, name, path.string()));
    }
  }

  h5::Handle open_dataset(const std::string& name) const {
    require("dataset", name);
    return h5::Handle(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose,
                      "cannot open " + describe("dataset", name));
  }

  // At most `limit` values in row-major order, reading only the rows that hold them.
  template <typename T>
  std::vector<T> read_numeric(const std::string& name, std::vector<std::uint64_t>* dims,
                              std::uint64_t limit = std::numeric_limits<std::uint64_t>::max()) const {
    std::string what = "cannot read " + describe("dataset", name);
    h5::Handle dataset = open_dataset(name);
    h5::Handle type(H5Dget_type(dataset.get()), H5Tclose, what);
    auto type_class = h5::check(H5Tget_class(type.get()), what);
    if (type_class != H5T_INTEGER && type_class != H5T_FLOAT) {
      throw IoError(fmt::format("{} has unsupported type {}; expected a numeric dataset", describe("dataset", name),
                                h5::describe_type(type.get(), what)));
    }
    auto shape = h5::dataset_dims(dataset.get(), what);
    auto count = std::accumulate(shape.begin(), shape.end(), std::uint64_t{1}, std::multiplies<>());
    std::vector<T> values;
    if (count > limit && !shape.empty()) {
      const std::uint64_t row = count / shape[0];
      const std::uint64_t rows = (limit + row - 1) / row;
      values.resize(rows * row);
      h5::Handle file_space = h5::select_rows(dataset.get(), 0, rows, what);
      h5::Handle memory_space = h5::memory_space(values.size(), what);
      h5::check(H5Dread(dataset.get(), h5::Native<T>::memory(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                        values.data()),
                what);
      values.resize(limit);
    } else if (count > 0) {
      values.resize(count);
      h5::check(H5Dread(dataset.get(), h5::Native<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), what);
    }
    if (dims) *dims = std::move(shape);
    return values;
  }

  // Reads a compound table into HDF5's view of its rows, then converts each to its record.
  template <typename Row, typename Convert>
  auto read_table(const std::string& name, hid_t memory_type, Convert convert) const {
    std::string what = "cannot read " + describe("table", name);
    h5::Handle dataset = open_dataset(name);
    h5::Handle space(H5Dget_space(dataset.get()), H5Sclose, what);
    auto count = static_cast<std::size_t>(h5::check(H5Sget_simple_extent_npoints(space.get()), what));
    std::vector<Row> rows(count);
    Reclaim reclaim(memory_type, space.get(), count > 0 ? rows.data() : nullptr);
    if (count > 0) {
      h5::check(H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), what);
    }
    std::vector<std::invoke_result_t<Convert, const Row&>> records;
    records.reserve(count);
    std::transform(rows.begin(), rows.end(), std::back_inserter(records), convert);
    return records;
  }
};

ResultFile::ResultFile(const std::filesystem::path& path)
    : impl_(std::make_unique<Impl>(Impl{path, h5::open_read_only(path)})) {}

ResultFile::~ResultFile() = default;
ResultFile::ResultFile(ResultFile&&) noexcept = default;
ResultFile& ResultFile::operator=(ResultFile&&) noexcept = default;

bool ResultFile::exists(const std::string& object_path) const {
  return h5::object_exists(impl_->file.get(), object_path);
}

std::map<std::string, AttributeValue> ResultFile::attributes(const std::string& object_path) const {
  impl_->require("object", object_path);
  std::string what = "cannot read the attributes of " + impl_->describe("object", object_path);
  h5::Handle object(H5Oopen(impl_->file.get(), object_path.c_str(), H5P_DEFAULT), H5Oclose, what);
  std::vector<std::string> names;
  h5::check(H5Aiterate2(object.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names), what);
  std::map<std::string, AttributeValue> attributes;
  for (const auto& name : names) {
    if (auto value = read_attribute(object.get(), name, what)) attributes.emplace(name, std::move(*value));
  }
  return attributes;
}

bool ResultFile::is_group(const std::string& object_path) const {
  if (!exists(object_path)) return false;
  H5O_info_t info{};
  h5::check(H5Oget_info_by_name(impl_->file.get(), object_path.c_str(), &info, H5P_DEFAULT),
            "cannot inspect " + impl_->describe("object", object_path));
  return info.type == H5O_TYPE_GROUP;
}

std::vector<std::string> ResultFile::members(const std::string& group_path) const {
  impl_->require("group", group_path);
  std::string what = "cannot list " + impl_->describe("group", group_path);
  h5::Handle group(H5Gopen2(impl_->file.get(), group_path.c_str(), H5P_DEFAULT), H5Gclose, what);
  H5G_info_t info{};
  h5::check(H5Gget_info(group.get(), &info), what);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    auto length =
        h5::check(H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT), what);
    std::string name(static_cast<std::size_t>(length) + 1, '\0');
    h5::check(
        H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT),
        what);
    name.resize(static_cast<std::size_t>(length));
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<double> ResultFile::read_f64(const std::string& dataset, std::vector<std::uint64_t>* dims) const {
  return impl_->read_numeric<double>(dataset, dims);
}

std::vector<double> ResultFile::read_f64_start(const std::string& dataset, std::uint64_t count,
                                               std::vector<std::uint64_t>* dims) const {
  return impl_->read_numeric<double>(dataset, dims, count);
}

std::vector<std::uint64_t> ResultFile::read_u64(const std::string& dataset, std::vector<std::uint64_t>* dims) const {
  return impl_->read_numeric<std::uint64_t>(dataset, dims);
}

std::vector<std::int64_t> ResultFile::read_i64(const std::string& dataset, std::vector<std::uint64_t>* dims) const {
  return impl_->read_numeric<std::int64_t>(dataset, dims);
}

std::vector<PartitionRecord> ResultFile::read_partitions(const std::string& dataset) const {
  h5::Handle memory_type = h5::partition_type(h5::Layout::memory);
  return impl_->read_table<PartitionRecord>(dataset, memory_type.get(), [](const PartitionRecord& row) { return row; });
}

std::vector<WorkerRecord> ResultFile::read_workers(const std::string& dataset) const {
  h5::Handle memory_type = h5::worker_type(h5::Layout::memory);
  return impl_->read_table<h5::WorkerRow>(dataset, memory_type.get(), h5::from_row);
}

}  // namespace kdsched::io
