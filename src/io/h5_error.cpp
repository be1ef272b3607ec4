#include "io/h5_error.hpp"

#include "common/error.hpp"

#include <cctype>
#include <string>
#include <vector>

namespace kdsched::io::h5 {
namespace {

struct StackEntry {
  hid_t minor;
  std::string description;
};

// A C callback: it must not let an exception escape into HDF5.
herr_t collect(unsigned /*position*/, const H5E_error2_t* error, void* data) noexcept {
  try {
    static_cast<std::vector<StackEntry>*>(data)->push_back({error->min_num, error->desc ? error->desc : ""});
    return 0;
  } catch (...) {
    return -1;
  }
}

std::string minor_message(hid_t minor) {
  H5E_type_t type{};
  char text[256] = {};
  if (H5Eget_msg(minor, &type, text, sizeof text) < 0) return {};
  return text;
}

// The file drivers quote the operating system's message, which says more than HDF5's own words.
std::string system_message(const std::string& description) {
  constexpr std::string_view marker = "error message = '";
  auto begin = description.find(marker);
  if (begin == std::string::npos) return {};
  begin += marker.size();
  auto end = description.find('\'', begin);
  return description.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// Sentence-initial capitals only; acronyms such as "HDF5" stay as they are.
std::string lower_first(std::string text) {
  if (text.size() > 1 && std::isupper(static_cast<unsigned char>(text[0])) &&
      std::islower(static_cast<unsigned char>(text[1]))) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

// The innermost entry names the actual cause; the outer ones only repeat that the call failed,
// which the caller's own words already say.
std::string reason_from_stack() {
  std::vector<StackEntry> entries;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect, &entries);
  H5Eclear2(H5E_DEFAULT);
  if (entries.empty()) return "unknown HDF5 error";
  const StackEntry& innermost = entries.front();
  if (auto system = system_message(innermost.description); !system.empty()) return lower_first(system);
  auto minor = lower_first(minor_message(innermost.minor));
  const auto& description = innermost.description;
  if (minor.empty()) return description.empty() ? "unknown HDF5 error" : description;
  if (description.empty() || lower_first(description) == minor) return minor;
  return minor + " (" + description + ")";
}

}  // namespace

void silence_automatic_printing() {
  static const bool silenced = H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0;
  (void)silenced;
}

void throw_error(std::string_view what) { throw IoError(std::string(what) + ": " + reason_from_stack()); }

std::string system_reason(const std::error_code& error) { return lower_first(error.message()); }

void discard_error() { H5Eclear2(H5E_DEFAULT); }

}  // namespace kdsched::io::h5
