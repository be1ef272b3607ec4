#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kdsched::job::detail {

// Throws a UsageError reading "FILE:LINE:COLUMN: message"; an unknown position (a missing table)
// stands for the start of the file, and without a file the message goes unlocated.
[[noreturn]] void fail_at(std::string_view file, const toml::source_position& position,
                          const std::string& message);

// "; did you mean 'kernel'?" for the candidate closest to `word`, or "" when none is close.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates,
                         std::string_view open = "'", std::string_view close = "'");

// Read access to one table of a job file in which every problem becomes a UsageError located at
// the offending key. A null table stands for a table the file does not have.
class TableView {
 public:
  TableView(const toml::table* table, std::string_view file, std::string_view name)
      : table_(table), file_(file), name_(name) {}

  bool present() const { return table_ != nullptr; }
  bool contains(std::string_view key) const { return node(key) != nullptr; }

  std::optional<std::int64_t> find_int(std::string_view key) const;
  std::optional<double> find_double(std::string_view key) const;
  std::optional<std::string> find_string(std::string_view key) const;
  std::optional<bool> find_bool(std::string_view key) const;
  std::optional<std::vector<std::int64_t>> find_int_array(std::string_view key) const;
  std::optional<std::vector<double>> find_double_array(std::string_view key) const;
  std::optional<std::vector<std::string>> find_string_array(std::string_view key) const;
  // A single string or an array of strings, as a list.
  std::optional<std::vector<std::string>> find_strings(std::string_view key) const;

  // An integer that must be >= min.
  std::optional<std::int64_t> find_int_at_least(std::string_view key, std::int64_t min) const;
  // A string that must be one of `choices`; returns its index.
  std::optional<std::size_t> find_choice(std::string_view key, std::span<const std::string_view> choices) const;

  std::string require_string(std::string_view key) const;

  void require_only(std::span<const std::string_view> known) const;

  // Located at the key's value, or at the table itself when the key is absent.
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  [[noreturn]] void fail_missing(std::string_view key, std::string_view why = {}) const;

 private:
  const toml::node* node(std::string_view key) const;
  toml::source_position position(std::string_view key) const;
  template <typename T>
  std::optional<T> find_as(std::string_view key, std::string_view type_name) const;
  template <typename T>
  std::optional<std::vector<T>> find_array_of(std::string_view key, std::string_view type_name) const;

  const toml::table* table_;
  std::string_view file_;
  std::string_view name_;
};

}  // namespace kdsched::job::detail
