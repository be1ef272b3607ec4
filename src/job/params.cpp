#include "job/params.hpp"

#include "job/table_view.hpp"

#include <fmt/format.h>

#include <utility>

namespace kdsched::job {

Params::Params() : table_name_("kernel") {}

Params::Params(std::shared_ptr<const toml::table> table, std::string file, std::string table_name)
    : table_(std::move(table)), file_(std::move(file)), table_name_(std::move(table_name)) {}

detail::TableView Params::view() const { return detail::TableView(table_.get(), file_, table_name_); }

bool Params::contains(std::string_view key) const { return view().contains(key); }

std::optional<std::int64_t> Params::find_int(std::string_view key) const { return view().find_int(key); }

std::optional<double> Params::find_double(std::string_view key) const { return view().find_double(key); }

std::optional<std::string> Params::find_string(std::string_view key) const { return view().find_string(key); }

std::optional<bool> Params::find_bool(std::string_view key) const { return view().find_bool(key); }

std::optional<std::vector<double>> Params::find_double_array(std::string_view key) const {
  return view().find_double_array(key);
}

std::optional<std::vector<std::string>> Params::find_string_array(std::string_view key) const {
  return view().find_string_array(key);
}

std::int64_t Params::get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                             std::int64_t max) const {
  const auto value = find_int(key);
  if (value && (*value < min || *value > max)) {
    fail(key, fmt::format("{} must be between {} and {}", key, min, max));
  }
  return value.value_or(fallback);
}

double Params::get_double(std::string_view key, double fallback) const {
  return find_double(key).value_or(fallback);
}

std::string Params::get_string(std::string_view key, std::string fallback) const {
  return find_string(key).value_or(std::move(fallback));
}

void Params::require_only(std::span<const std::string_view> known) const { view().require_only(known); }

void Params::fail(std::string_view key, const std::string& message) const { view().fail(key, message); }

}  // namespace kdsched::job
