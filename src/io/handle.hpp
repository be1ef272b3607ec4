#pragma once

#include <hdf5.h>

#include <string_view>

namespace kdsched::io::h5 {

// Sole owner of one HDF5 id (file, group, dataset, dataspace, datatype, property list, attribute).
class Handle {
 public:
  using Close = herr_t (*)(hid_t);

  Handle() = default;
  // Takes `id` checked: a failed HDF5 call throws IoError "<what>: <reason>" here.
  Handle(hid_t id, Close close, std::string_view what);
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }

  // Closes now and reports a failure: closing a file is when HDF5 writes its last buffers.
  void close(std::string_view what);
  // Closes quietly, for destructors and unwinding, where a failure has nowhere to go.
  void reset() noexcept;

 private:
  hid_t id_ = H5I_INVALID_HID;
  Close close_ = nullptr;
};

}  // namespace kdsched::io::h5
