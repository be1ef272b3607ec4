#include "io/element_type.hpp"

#include <gtest/gtest.h>

namespace kdsched::io {
namespace {

TEST(ElementType, NamesAreNumpyDtypeNames) {
  EXPECT_EQ(to_string(ElementType::i8), "int8");
  EXPECT_EQ(to_string(ElementType::i64), "int64");
  EXPECT_EQ(to_string(ElementType::u16), "uint16");
  EXPECT_EQ(to_string(ElementType::u64), "uint64");
  EXPECT_EQ(to_string(ElementType::f32), "float32");
  EXPECT_EQ(to_string(ElementType::f64), "float64");
}

TEST(ElementType, ParsesShortAndLongNames) {
  EXPECT_EQ(parse_element_type("f32"), ElementType::f32);
  EXPECT_EQ(parse_element_type("float64"), ElementType::f64);
  EXPECT_EQ(parse_element_type("i16"), ElementType::i16);
  EXPECT_EQ(parse_element_type("uint32"), ElementType::u32);
  EXPECT_EQ(parse_element_type("u8"), ElementType::u8);
  EXPECT_FALSE(parse_element_type("double").has_value());
  EXPECT_FALSE(parse_element_type("").has_value());
  EXPECT_FALSE(parse_element_type("F32").has_value());
}

TEST(ElementType, EveryNameParsesBackAndHasItsSize) {
  const std::size_t sizes[] = {1, 2, 4, 8, 1, 2, 4, 8, 4, 8};
  for (int i = 0; i <= static_cast<int>(ElementType::f64); ++i) {
    auto type = static_cast<ElementType>(i);
    EXPECT_EQ(parse_element_type(to_string(type)), type);
    EXPECT_EQ(element_size(type), sizes[i]);
  }
}

}  // namespace
}  // namespace kdsched::io
