#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace kdsched::job {

namespace detail {
class TableView;
}

// A kernel's parameters: the [kernel] table of a job file without its `name` key. Kernels read
// their parameters through these getters, which report a wrong type or value as a UsageError
// located at the offending key ("FILE:LINE:COLUMN: message"), so kernels never see TOML.
class Params {
 public:
  Params();
  Params(std::shared_ptr<const toml::table> table, std::string file, std::string table_name);

  bool contains(std::string_view key) const;

  std::optional<std::int64_t> find_int(std::string_view key) const;
  std::optional<double> find_double(std::string_view key) const;  // integers are accepted too
  std::optional<std::string> find_string(std::string_view key) const;
  std::optional<bool> find_bool(std::string_view key) const;
  std::optional<std::vector<double>> find_double_array(std::string_view key) const;
  std::optional<std::vector<std::string>> find_string_array(std::string_view key) const;

  std::int64_t get_int(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
  double get_double(std::string_view key, double fallback) const;
  std::string get_string(std::string_view key, std::string fallback) const;

  // Every key must be one of `known`; otherwise an error naming the key, with the closest valid key.
  void require_only(std::span<const std::string_view> known) const;

  // Throws a UsageError located at `key` (at the table itself when the key is absent).
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;

 private:
  detail::TableView view() const;

  std::shared_ptr<const toml::table> table_;
  std::string file_;
  std::string table_name_;
};

}  // namespace kdsched::job
