#pragma once

#include "io/element_type.hpp"
#include "io/handle.hpp"

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kdsched::io::h5 {

// The little-endian standard type kdsched stores `type` as; a predefined id, never closed.
hid_t file_type(ElementType type);

// The element type of a numeric datatype (any byte order); nullopt for anything else.
std::optional<ElementType> element_type_of(hid_t type, std::string_view what);

// How a datatype reads in an error message: "string", "compound", "16-byte integer", ...
std::string describe_type(hid_t type, std::string_view what);

// Variable-length UTF-8 strings, which h5py reads as str.
Handle utf8_string_type();

// The memory and file types of the C++ values the module reads and writes.
template <typename T>
struct Native;

template <>
struct Native<double> {
  static hid_t memory() { return H5T_NATIVE_DOUBLE; }
  static hid_t file() { return H5T_IEEE_F64LE; }
};
template <>
struct Native<std::int64_t> {
  static hid_t memory() { return H5T_NATIVE_INT64; }
  static hid_t file() { return H5T_STD_I64LE; }
};
template <>
struct Native<std::uint64_t> {
  static hid_t memory() { return H5T_NATIVE_UINT64; }
  static hid_t file() { return H5T_STD_U64LE; }
};
template <>
struct Native<std::int32_t> {
  static hid_t memory() { return H5T_NATIVE_INT32; }
  static hid_t file() { return H5T_STD_I32LE; }
};

}  // namespace kdsched::io::h5
