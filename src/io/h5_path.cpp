#include "io/h5_path.hpp"

#include "io/h5_error.hpp"

namespace kdsched::io::h5 {

bool object_exists(hid_t location, const std::string& path) {
  std::string::size_type end = 0;
  while (end != std::string::npos) {
    end = path.find('/', end + 1);
    std::string prefix = path.substr(0, end);
    if (prefix.empty() || prefix.back() == '/') continue;
    if (!probe(H5Lexists(location, prefix.c_str(), H5P_DEFAULT))) return false;
  }
  // The links exist; a soft link may still point nowhere.
  return path.find_first_not_of('/') == std::string::npos ||
         probe(H5Oexists_by_name(location, path.c_str(), H5P_DEFAULT));
}

std::string join_path(const std::string& group, const std::string& name) {
  if (name.empty()) return group;
  if (name.front() == '/') return name;
  if (group.empty() || group.back() == '/') return group + name;
  return group + "/" + name;
}

}  // namespace kdsched::io::h5
