#include "io/h5_rows.hpp"

#include "io/h5_error.hpp"

namespace kdsched::io::h5 {
namespace {

std::vector<hsize_t> space_dims(hid_t space, std::string_view what) {
  int rank = check(H5Sget_simple_extent_ndims(space), what);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space, dims.data(), nullptr), what);
  return dims;
}

}  // namespace

std::vector<std::uint64_t> dataset_dims(hid_t dataset, std::string_view what) {
  Handle space(H5Dget_space(dataset), H5Sclose, what);
  auto dims = space_dims(space.get(), what);
  return {dims.begin(), dims.end()};
}

Handle select_rows(hid_t dataset, std::uint64_t begin, std::uint64_t count, std::string_view what) {
  Handle space(H5Dget_space(dataset), H5Sclose, what);
  std::vector<hsize_t> counts = space_dims(space.get(), what);
  std::vector<hsize_t> starts(counts.size(), 0);
  if (!counts.empty()) {
    starts[0] = begin;
    counts[0] = count;
  }
  check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, starts.data(), nullptr, counts.data(), nullptr), what);
  return space;
}

Handle memory_space(std::uint64_t elements, std::string_view what) {
  hsize_t dims[1] = {elements};
  return Handle(H5Screate_simple(1, dims, nullptr), H5Sclose, what);
}

Handle memory_space_of_rows(std::uint64_t rows, std::uint64_t cols, int rank, std::string_view what) {
  hsize_t dims[2] = {rows, cols};
  return Handle(H5Screate_simple(rank, dims, nullptr), H5Sclose, what);
}

}  // namespace kdsched::io::h5
