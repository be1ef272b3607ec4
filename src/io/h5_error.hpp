#pragma once

#include <hdf5.h>

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

// The one place where HDF5's error stack becomes a kdsched::IoError.
namespace kdsched::io::h5 {

// HDF5 prints every error stack to stderr unless told otherwise; kdsched reports errors itself.
// Every entry point of the module calls this before its first HDF5 call.
void silence_automatic_printing();

// Throws IoError "<what>: <reason>", the reason taken from HDF5's error stack, which it clears.
[[noreturn]] void throw_error(std::string_view what);

// An operating-system error worded like the reasons taken from HDF5 ("permission denied").
std::string system_reason(const std::error_code& error);

// Forgets a failure the caller treats as an answer (a path that does not exist) rather than an error.
void discard_error();

// A yes/no query whose failure also means no (asking for "/a/b" when "/a" is a dataset).
inline bool probe(htri_t result) {
  if (result < 0) discard_error();
  return result > 0;
}

// HDF5 signals failure with a negative id or status, or with zero from calls that return a size.
template <typename T>
T check(T result, std::string_view what) {
  bool failed = false;
  if constexpr (std::is_unsigned_v<T>) {
    failed = result == 0;
  } else {
    failed = result < 0;
  }
  if (failed) throw_error(what);
  return result;
}

}  // namespace kdsched::io::h5
