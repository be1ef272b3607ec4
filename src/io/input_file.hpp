#pragma once

#include "io/block.hpp"
#include "io/element_type.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kdsched::io {

struct DatasetInfo {
  std::string name;
  std::vector<std::uint64_t> dims;         // 1 or 2 entries
  ElementType type = ElementType::f64;
  std::optional<std::uint64_t> chunk_rows;  // set when the dataset is chunked

  std::uint64_t rows() const { return dims.empty() ? 0 : dims[0]; }
  std::uint64_t cols() const { return dims.size() > 1 ? dims[1] : 1; }
  std::uint64_t row_bytes() const { return cols() * element_size(type); }
};

// A read-only HDF5 file. Every failure is an IoError naming the file and dataset.
class InputFile {
 public:
  explicit InputFile(const std::filesystem::path& path);
  ~InputFile();
  InputFile(InputFile&&) noexcept;
  InputFile& operator=(InputFile&&) noexcept;

  const std::filesystem::path& path() const;

  // The dataset's shape and type; an IoError when it is missing, not numeric, or not 1-D/2-D.
  DatasetInfo dataset_info(const std::string& dataset) const;

  // Reads rows [begin, end) as float64 into `out` (resized), with one hyperslab selection.
  void read_rows(const std::string& dataset, std::uint64_t begin, std::uint64_t end, Block& out) const;

  // A whole 1-D dataset as float64.
  std::vector<double> read_vector(const std::string& dataset) const;

  // Rows [begin, end) of an integer dataset as int64, exactly (CSR items and offsets).
  std::vector<std::int64_t> read_i64(const std::string& dataset, std::uint64_t begin, std::uint64_t end) const;

 private:
  template <typename T>
  std::uint64_t read_into(const std::string& dataset, std::uint64_t begin, std::uint64_t end,
                          std::vector<T>& values) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kdsched::io
