#include "io/element_type.hpp"

#include <array>

namespace kdsched::io {
namespace {

struct Description {
  ElementType type;
  std::string_view name;
  std::string_view short_name;
  std::size_t size;
};

constexpr std::array<Description, 10> descriptions{{
    {ElementType::i8, "int8", "i8", 1},
    {ElementType::i16, "int16", "i16", 2},
    {ElementType::i32, "int32", "i32", 4},
    {ElementType::i64, "int64", "i64", 8},
    {ElementType::u8, "uint8", "u8", 1},
    {ElementType::u16, "uint16", "u16", 2},
    {ElementType::u32, "uint32", "u32", 4},
    {ElementType::u64, "uint64", "u64", 8},
    {ElementType::f32, "float32", "f32", 4},
    {ElementType::f64, "float64", "f64", 8},
}};

const Description& describe(ElementType type) { return descriptions[static_cast<std::size_t>(type)]; }

}  // namespace

std::string_view to_string(ElementType type) { return describe(type).name; }

std::optional<ElementType> parse_element_type(std::string_view name) {
  for (const auto& description : descriptions) {
    if (name == description.name || name == description.short_name) return description.type;
  }
  return std::nullopt;
}

std::size_t element_size(ElementType type) { return describe(type).size; }

}  // namespace kdsched::io
