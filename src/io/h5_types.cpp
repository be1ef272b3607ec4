#include "io/h5_types.hpp"

#include "io/h5_error.hpp"

#include <string>

namespace kdsched::io::h5 {

hid_t file_type(ElementType type) {
  switch (type) {
    case ElementType::i8: return H5T_STD_I8LE;
    case ElementType::i16: return H5T_STD_I16LE;
    case ElementType::i32: return H5T_STD_I32LE;
    case ElementType::i64: return H5T_STD_I64LE;
    case ElementType::u8: return H5T_STD_U8LE;
    case ElementType::u16: return H5T_STD_U16LE;
    case ElementType::u32: return H5T_STD_U32LE;
    case ElementType::u64: return H5T_STD_U64LE;
    case ElementType::f32: return H5T_IEEE_F32LE;
    case ElementType::f64: return H5T_IEEE_F64LE;
  }
  return H5T_IEEE_F64LE;
}

std::optional<ElementType> element_type_of(hid_t type, std::string_view what) {
  H5T_class_t type_class = check(H5Tget_class(type), what);
  std::size_t size = check(H5Tget_size(type), what);
  if (type_class == H5T_FLOAT) {
    if (size == 4) return ElementType::f32;
    if (size == 8) return ElementType::f64;
    return std::nullopt;
  }
  if (type_class != H5T_INTEGER) return std::nullopt;
  bool is_signed = check(H5Tget_sign(type), what) == H5T_SGN_2;
  switch (size) {
    case 1: return is_signed ? ElementType::i8 : ElementType::u8;
    case 2: return is_signed ? ElementType::i16 : ElementType::u16;
    case 4: return is_signed ? ElementType::i32 : ElementType::u32;
    case 8: return is_signed ? ElementType::i64 : ElementType::u64;
    default: return std::nullopt;
  }
}

std::string describe_type(hid_t type, std::string_view what) {
  if (auto element = element_type_of(type, what)) return std::string(to_string(*element));
  std::string size = std::to_string(check(H5Tget_size(type), what)) + "-byte ";
  switch (check(H5Tget_class(type), what)) {
    case H5T_INTEGER: return size + "integer";
    case H5T_FLOAT: return size + "float";
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum";
    case H5T_ARRAY: return "array";
    case H5T_VLEN: return "variable-length sequence";
    case H5T_OPAQUE: return "opaque";
    case H5T_BITFIELD: return "bitfield";
    case H5T_REFERENCE: return "reference";
    case H5T_TIME: return "time";
    default: return "unknown";
  }
}

Handle utf8_string_type() {
  constexpr std::string_view what = "cannot create the string type";
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, what);
  check(H5Tset_size(type.get(), H5T_VARIABLE), what);
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), what);
  return type;
}

}  // namespace kdsched::io::h5
