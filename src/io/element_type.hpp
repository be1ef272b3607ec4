#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace kdsched::io {

// The numeric element types kdsched reads and writes.
enum class ElementType { i8, i16, i32, i64, u8, u16, u32, u64, f32, f64 };

std::string_view to_string(ElementType type);
std::optional<ElementType> parse_element_type(std::string_view name);  // "f32", "int16", "float64", ...
std::size_t element_size(ElementType type);

}  // namespace kdsched::io
