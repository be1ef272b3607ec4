#include "common/error.hpp"
#include "kernels/cost_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace kdsched::kernels {
namespace {

TEST(CostDistribution, ConstantAndUniform) {
  EXPECT_DOUBLE_EQ(CostDistribution::parse("const:250").seconds(1, 9), 250e-6);
  const auto uniform = CostDistribution::parse("uniform:100,200");
  for (PartitionId id = 0; id < 1000; ++id) {
    const double s = uniform.seconds(3, id);
    EXPECT_GE(s, 100e-6);
    EXPECT_LE(s, 200e-6);
  }
}

TEST(CostDistribution, CostsThatOverflowAClockAreRejected) {
  for (const char* text : {"const:1e300", "uniform:0,1e20", "lognormal:1e300,0.5", "lognormal:1e6,8"}) {
    try {
      CostDistribution::parse(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const UsageError& error) {
      EXPECT_NE(std::string(error.what()).find("a partition may spin"), std::string::npos) << error.what();
    }
  }
  // A long but representable spin, and a wide lognormal whose largest draw still fits.
  EXPECT_DOUBLE_EQ(CostDistribution::parse("const:1e15").seconds(1, 2), 1e9);
  const auto wide = CostDistribution::parse("lognormal:1e5,3");
  for (PartitionId id = 0; id < 1000; ++id) EXPECT_LE(wide.seconds(5, id), CostDistribution::max_cost_seconds);
}

TEST(CostDistribution, SameSeedAndIdSameCost) {
  const auto d = CostDistribution::parse("lognormal:5000,1.5");
  EXPECT_EQ(d.seconds(7, 123), d.seconds(7, 123));
  EXPECT_NE(d.seconds(7, 123), d.seconds(8, 123));
  EXPECT_NE(d.seconds(7, 123), d.seconds(7, 124));
}

TEST(CostDistribution, LognormalHasTheRequestedMeanAndSpread) {
  const auto d = CostDistribution::parse("lognormal:5000,1.0");
  const int n = 400'000;
  double sum = 0, log_sum = 0, log_squares = 0;
  for (PartitionId id = 0; id < n; ++id) {
    const double s = d.seconds(11, id);
    sum += s;
    log_sum += std::log(s);
    log_squares += std::log(s) * std::log(s);
  }
  const double log_mean = log_sum / n;
  EXPECT_NEAR(sum / n, 5e-3, 5e-3 * 0.02);
  EXPECT_NEAR(std::sqrt(log_squares / n - log_mean * log_mean), 1.0, 0.01);
}

TEST(CostDistribution, MalformedTextsAreUsageErrors) {
  for (const char* text : {"const", "const:", "const:-1", "uniform:5", "uniform:9,1", "lognormal:a,b", "gamma:1,2",
                           "const:1,2"}) {
    EXPECT_THROW(CostDistribution::parse(text), UsageError) << text;
  }
}

}  // namespace
}  // namespace kdsched::kernels
