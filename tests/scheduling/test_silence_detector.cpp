#include "scheduling/silence_detector.hpp"

#include <gtest/gtest.h>

namespace kdsched::scheduling {
namespace {

using namespace std::chrono_literals;
using Clock = SilenceDetector::Clock;

TEST(SilenceDetector, NamesTheWorkerSilentPastTheTimeout) {
  const Clock::time_point t0{};
  SilenceDetector detector(3, 10s, t0);
  EXPECT_EQ(detector.check(t0), std::nullopt);
  for (int second = 1; second <= 12; ++second) {
    detector.heard(0);
    detector.heard(2);
    const auto silent = detector.check(t0 + std::chrono::seconds(second));
    if (second <= 10) {
      EXPECT_EQ(silent, std::nullopt) << "at " << second << " s";
    } else {
      EXPECT_EQ(silent, 1u) << "at " << second << " s";
    }
  }
}

TEST(SilenceDetector, AnyMessageKeepsAWorkerAlive) {
  const Clock::time_point t0{};
  SilenceDetector detector(2, 2s, t0);
  for (int tenth = 1; tenth <= 100; ++tenth) {
    if (tenth % 15 == 0) {
      detector.heard(0);
      detector.heard(1);
    }
    EXPECT_EQ(detector.check(t0 + std::chrono::milliseconds(100 * tenth)), std::nullopt) << tenth;
  }
}

TEST(SilenceDetector, ChecksAtMostTenTimesPerTimeout) {
  const Clock::time_point t0{};
  SilenceDetector detector(1, 10s, t0);
  detector.check(t0);
  // Scans are a second apart: the one asked for at 0.5 s is not due, so it cannot see anything.
  EXPECT_EQ(detector.check(t0 + 500ms), std::nullopt);
  for (int second = 1; second <= 10; ++second) EXPECT_EQ(detector.check(t0 + std::chrono::seconds(second)), std::nullopt);
  EXPECT_EQ(detector.check(t0 + 11s), 0u);
}

TEST(SilenceDetector, TheMastersOwnAbsenceIsNotAWorkersSilence) {
  const Clock::time_point t0{};
  SilenceDetector detector(2, 10s, t0);
  for (int second = 1; second <= 5; ++second) {
    detector.heard(0);
    detector.heard(1);
    EXPECT_EQ(detector.check(t0 + std::chrono::seconds(second)), std::nullopt);
  }
  // The master was busy for 30 s: its first look finds nothing heard, and names no one.
  EXPECT_EQ(detector.check(t0 + 35s), std::nullopt);
  // From then on, silence counts again.
  for (int second = 36; second <= 45; ++second) {
    detector.heard(0);
    EXPECT_EQ(detector.check(t0 + std::chrono::seconds(second)), std::nullopt) << second;
  }
  detector.heard(0);
  EXPECT_EQ(detector.check(t0 + 46s), 1u);
}

TEST(SilenceDetector, HeartbeatsComeSeveralTimesPerTimeout) {
  EXPECT_DOUBLE_EQ(heartbeat_interval(60s).count(), 1.0);
  EXPECT_DOUBLE_EQ(heartbeat_interval(2s).count(), 0.5);
}

}  // namespace
}  // namespace kdsched::scheduling
