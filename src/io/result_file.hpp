#pragma once

#include "io/records.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kdsched::io {

using AttributeValue = std::variant<std::string, double, std::int64_t, std::uint64_t>;

// Read access to a kdsched result file (or any HDF5 file) for `kdsched report` and tests.
class ResultFile {
 public:
  explicit ResultFile(const std::filesystem::path& path);
  ~ResultFile();
  ResultFile(ResultFile&&) noexcept;
  ResultFile& operator=(ResultFile&&) noexcept;

  bool exists(const std::string& object_path) const;

  // All attributes of a group or dataset, by name.
  std::map<std::string, AttributeValue> attributes(const std::string& object_path) const;

  bool is_group(const std::string& object_path) const;

  // Names of the members of a group, sorted.
  std::vector<std::string> members(const std::string& group_path) const;

  // Any numeric dataset converted to the requested type; `dims` receives its shape.
  std::vector<double> read_f64(const std::string& dataset, std::vector<std::uint64_t>* dims = nullptr) const;
  std::vector<std::uint64_t> read_u64(const std::string& dataset, std::vector<std::uint64_t>* dims = nullptr) const;
  std::vector<std::int64_t> read_i64(const std::string& dataset, std::vector<std::uint64_t>* dims = nullptr) const;
  // Only the first `count` values in row-major order (fewer when the dataset is smaller), reading
  // no more rows than hold them: a preview of a dataset of any size.
  std::vector<double> read_f64_start(const std::string& dataset, std::uint64_t count,
                                     std::vector<std::uint64_t>* dims = nullptr) const;

  std::vector<PartitionRecord> read_partitions(const std::string& dataset = "/partitions") const;
  std::vector<WorkerRecord> read_workers(const std::string& dataset = "/workers") const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kdsched::io
