#pragma once

#include "io/handle.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

// Row-range selections, shared by reading inputs and writing datasets block by block.
namespace kdsched::io::h5 {

// The dataset's shape; empty for a scalar.
std::vector<std::uint64_t> dataset_dims(hid_t dataset, std::string_view what);

// The dataset's file dataspace with rows [begin, begin + count) selected, all columns.
Handle select_rows(hid_t dataset, std::uint64_t begin, std::uint64_t count, std::string_view what);

// A flat memory dataspace of `elements` values.
Handle memory_space(std::uint64_t elements, std::string_view what);

// A memory dataspace shaped like a row selection (rank 1 or 2). Matching shapes let HDF5 copy
// whole chunk rows at once instead of walking the selection element by element, which is an
// order of magnitude slower.
Handle memory_space_of_rows(std::uint64_t rows, std::uint64_t cols, int rank, std::string_view what);

}  // namespace kdsched::io::h5
