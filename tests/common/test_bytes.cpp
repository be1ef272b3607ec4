#include "common/bytes.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kdsched {
namespace {

struct Inner {
  std::uint16_t code = 0;
  std::string text;
  template <typename Archive>
  void serialize(Archive& archive, unsigned) {
    archive & code & text;
  }
};

struct Outer {
  double value = 0;
  bool flag = false;
  std::vector<std::uint64_t> numbers;
  std::vector<Inner> items;
  template <typename Archive>
  void serialize(Archive& archive, unsigned) {
    archive & value & flag & numbers & items;
  }
};

TEST(Bytes, RoundTripsNestedValues) {
  const Outer original{2.5, true, {1, 2, 3}, {{7, "seven"}, {8, ""}}};
  const Outer copy = from_bytes<Outer>(to_bytes(original));
  EXPECT_EQ(copy.value, 2.5);
  EXPECT_TRUE(copy.flag);
  EXPECT_EQ(copy.numbers, (std::vector<std::uint64_t>{1, 2, 3}));
  ASSERT_EQ(copy.items.size(), 2u);
  EXPECT_EQ(copy.items[0].code, 7);
  EXPECT_EQ(copy.items[0].text, "seven");
  EXPECT_EQ(copy.items[1].text, "");
}

TEST(Bytes, DecodingIntoAValueReusesIt) {
  Outer target{0, false, std::vector<std::uint64_t>(100, 9), {}};
  const Bytes bytes = to_bytes(Outer{1, false, {4}, {}});
  read_bytes(bytes.data(), bytes.size(), target);
  EXPECT_EQ(target.numbers, std::vector<std::uint64_t>{4});
  EXPECT_GE(target.numbers.capacity(), 100u);
}

TEST(Bytes, TruncatedOrOverlongInputIsRejected) {
  Bytes bytes = to_bytes(Outer{1, true, {1, 2}, {{3, "x"}}});
  Bytes truncated(bytes.begin(), bytes.end() - 1);
  EXPECT_THROW(from_bytes<Outer>(truncated), std::length_error);
  bytes.push_back('!');
  EXPECT_THROW(from_bytes<Outer>(bytes), std::length_error);
  // A length field claiming more elements than the message holds.
  Bytes lying = to_bytes(std::vector<std::uint64_t>{1});
  lying[0] = 100;
  EXPECT_THROW(from_bytes<std::vector<std::uint64_t>>(lying), std::length_error);
}

}  // namespace
}  // namespace kdsched
