#include "common/text.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace kdsched {
namespace {

constexpr std::string_view tables[] = {"job", "input", "partition", "kernel", "schedule"};

TEST(ClosestMatch, SuggestsTheNearestCandidate) {
  EXPECT_EQ(closest_match("kernal", tables), "kernel");
  EXPECT_EQ(closest_match("shedule", tables), "schedule");
  EXPECT_EQ(closest_match("partitions", tables), "partition");
  EXPECT_EQ(closest_match("INPUT", tables), "input");
}

TEST(ClosestMatch, StaysSilentWhenNothingIsClose) {
  EXPECT_EQ(closest_match("weather", tables), "");
  EXPECT_EQ(closest_match("x", std::span<const std::string_view>{}), "");
}

TEST(EscapeControls, WritesControlCharactersAsEscapes) {
  using namespace std::string_literals;
  EXPECT_EQ(escape_controls("a\0b\nkdsched: error: x"s), "a\\x00b\\nkdsched: error: x");
  EXPECT_EQ(escape_controls("\x1b[31m\r\t\x7f"), "\\x1b[31m\\r\\t\\x7f");
  EXPECT_EQ(escape_controls("plain, caf\xc3\xa9 \\n"), "plain, caf\xc3\xa9 \\n") << "printable text and UTF-8 stay";
}

TEST(Format, BytesAndSeconds) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(3.0 * 1024 * 1024 * 1024), "3.0 GiB");
  EXPECT_EQ(format_seconds(2.5e-6), "2.5 us");
  EXPECT_EQ(format_seconds(0.0123), "12.3 ms");
  EXPECT_EQ(format_seconds(4.5), "4.50 s");
  EXPECT_EQ(format_seconds(600), "10.0 min");
}

}  // namespace
}  // namespace kdsched
