#include "job/table_view.hpp"

#include "common/error.hpp"
#include "common/text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <type_traits>

namespace kdsched::job::detail {
namespace {

template <typename T>
std::optional<T> convert(const toml::node& node) {
  if constexpr (std::is_same_v<T, double>) {
    // `tolerance = 1` is as natural to write as `tolerance = 1.0`.
    if (const auto integer = node.value_exact<std::int64_t>()) return static_cast<double>(*integer);
  }
  return node.value_exact<T>();
}

std::string type_error(std::string_view key, std::string_view type_name) {
  return fmt::format("{} must be {}", key, type_name);
}

std::string location(std::string_view file, const toml::source_position& position) {
  if (file.empty()) return {};
  if (!position) return fmt::format("{}:1:1: ", file);
  return fmt::format("{}:{}:{}: ", file, position.line, position.column);
}

}  // namespace

void fail_at(std::string_view file, const toml::source_position& position, const std::string& message) {
  throw UsageError(location(file, position) + message);
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates,
                         std::string_view open, std::string_view close) {
  const std::string match = closest_match(word, candidates);
  return match.empty() ? std::string() : fmt::format("; did you mean {}{}{}?", open, match, close);
}

const toml::node* TableView::node(std::string_view key) const {
  return table_ == nullptr ? nullptr : table_->get(key);
}

toml::source_position TableView::position(std::string_view key) const {
  if (const toml::node* found = node(key)) return found->source().begin;
  return table_ == nullptr ? toml::source_position{} : table_->source().begin;
}

template <typename T>
std::optional<T> TableView::find_as(std::string_view key, std::string_view type_name) const {
  const toml::node* found = node(key);
  if (found == nullptr) return std::nullopt;
  if (auto value = convert<T>(*found)) return value;
  fail(key, type_error(key, type_name));
}

template <typename T>
std::optional<std::vector<T>> TableView::find_array_of(std::string_view key, std::string_view type_name) const {
  const toml::node* found = node(key);
  if (found == nullptr) return std::nullopt;
  const toml::array* array = found->as_array();
  if (array == nullptr) fail(key, type_error(key, type_name));
  std::vector<T> values;
  values.reserve(array->size());
  for (const toml::node& element : *array) {
    const auto value = convert<T>(element);
    if (!value) fail_at(file_, element.source().begin, fmt::format("[{}] {}", name_, type_error(key, type_name)));
    values.push_back(*value);
  }
  return values;
}

std::optional<std::int64_t> TableView::find_int(std::string_view key) const {
  return find_as<std::int64_t>(key, "an integer");
}

std::optional<double> TableView::find_double(std::string_view key) const {
  return find_as<double>(key, "a number");
}

std::optional<std::string> TableView::find_string(std::string_view key) const {
  return find_as<std::string>(key, "a string");
}

std::optional<bool> TableView::find_bool(std::string_view key) const {
  return find_as<bool>(key, "true or false");
}

std::optional<std::vector<std::int64_t>> TableView::find_int_array(std::string_view key) const {
  return find_array_of<std::int64_t>(key, "an array of integers");
}

std::optional<std::vector<double>> TableView::find_double_array(std::string_view key) const {
  return find_array_of<double>(key, "an array of numbers");
}

std::optional<std::vector<std::string>> TableView::find_string_array(std::string_view key) const {
  return find_array_of<std::string>(key, "an array of strings");
}

std::optional<std::vector<std::string>> TableView::find_strings(std::string_view key) const {
  const toml::node* found = node(key);
  if (found != nullptr && found->is_string()) return std::vector{*found->value_exact<std::string>()};
  if (found != nullptr && !found->is_array()) fail(key, type_error(key, "a string or an array of strings"));
  return find_string_array(key);
}

std::optional<std::int64_t> TableView::find_int_at_least(std::string_view key, std::int64_t min) const {
  const auto value = find_int(key);
  if (value && *value < min) fail(key, fmt::format("{} must be >= {}", key, min));
  return value;
}

std::optional<std::size_t> TableView::find_choice(std::string_view key,
                                                  std::span<const std::string_view> choices) const {
  const auto value = find_string(key);
  if (!value) return std::nullopt;
  const auto match = std::find(choices.begin(), choices.end(), *value);
  if (match != choices.end()) return static_cast<std::size_t>(match - choices.begin());
  fail(key, fmt::format("{} '{}' is not one of {}{}", key, *value, fmt::join(choices, ", "),
                        did_you_mean(*value, choices)));
}

std::string TableView::require_string(std::string_view key) const {
  auto value = find_string(key);
  if (!value) fail_missing(key);
  return std::move(*value);
}

void TableView::require_only(std::span<const std::string_view> known) const {
  if (table_ == nullptr) return;
  for (const auto& [key, value] : *table_) {
    if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
    fail_at(file_, key.source().begin,
            fmt::format("unknown key '{}' in [{}]{}", key.str(), name_, did_you_mean(key.str(), known)));
  }
}

void TableView::fail(std::string_view key, const std::string& message) const {
  fail_at(file_, position(key), fmt::format("[{}] {}", name_, message));
}

void TableView::fail_missing(std::string_view key, std::string_view why) const {
  fail_at(file_, position(key),
          fmt::format("[{}] is missing required key '{}'{}{}", name_, key, why.empty() ? "" : "; ", why));
}

}  // namespace kdsched::job::detail
