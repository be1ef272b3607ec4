#include "common/error.hpp"
#include "io/h5_error.hpp"
#include "io/h5_rows.hpp"
#include "io/h5_types.hpp"
#include "io/output_impl.hpp"

#include <fmt/format.h>

namespace kdsched::io {

template <typename T>
void DatasetWriter::Impl::write_rows(std::uint64_t begin, std::span<const T> values) {
  std::uint64_t count = values.size() / cols;
  if (values.size() % cols != 0 || begin + count > rows) {
    throw RuntimeError(
        fmt::format("{} values from row {} do not fit {} ({} rows of {})", values.size(), begin, label, rows, cols));
  }
  if (count == 0) return;
  std::string what = fmt::format("cannot write rows [{}, {}) of {}", begin, begin + count, label);
  h5::Handle file_space = h5::select_rows(dataset.get(), begin, count, what);
  h5::Handle memory_space = h5::memory_space(values.size(), what);
  h5::check(H5Dwrite(dataset.get(), h5::Native<T>::memory(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                     values.data()),
            what);
}

DatasetWriter::DatasetWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DatasetWriter::~DatasetWriter() = default;
DatasetWriter::DatasetWriter(DatasetWriter&&) noexcept = default;
DatasetWriter& DatasetWriter::operator=(DatasetWriter&&) noexcept = default;

void DatasetWriter::write_rows(std::uint64_t begin, std::span<const double> values) {
  impl_->write_rows(begin, values);
}

void DatasetWriter::write_rows(std::uint64_t begin, std::span<const std::int32_t> values) {
  impl_->write_rows(begin, values);
}

}  // namespace kdsched::io
