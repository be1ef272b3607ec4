#include "io/handle.hpp"

#include "io/h5_error.hpp"

#include <utility>

namespace kdsched::io::h5 {

Handle::Handle(hid_t id, Close close, std::string_view what) : id_(check(id, what)), close_(close) {}

Handle::Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
    close_ = other.close_;
  }
  return *this;
}

void Handle::close(std::string_view what) {
  hid_t id = std::exchange(id_, H5I_INVALID_HID);
  if (id >= 0) check(close_(id), what);
}

void Handle::reset() noexcept {
  hid_t id = std::exchange(id_, H5I_INVALID_HID);
  // Closing a file closes every object in it (output files use the strong close degree), so
  // a group or dataset outliving its file holds an id that is no longer valid.
  if (id < 0) return;
  if (H5Iis_valid(id) > 0 && close_(id) >= 0) return;
  discard_error();
}

}  // namespace kdsched::io::h5
