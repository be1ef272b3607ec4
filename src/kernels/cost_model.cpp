#include "kernels/cost_model.hpp"

#include "common/error.hpp"
#include "kernels/seeded_draw.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <numbers>
#include <vector>

namespace kdsched::kernels {
namespace {

std::vector<double> parse_numbers(std::string_view text, std::string_view whole) {
  std::vector<double> numbers;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    double value = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (error != std::errc() || end != item.data() + item.size() || !std::isfinite(value) || value < 0) {
      throw UsageError(fmt::format("cost '{}': '{}' is not a non-negative number", whole, item));
    }
    numbers.push_back(value);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return numbers;
}

// The largest normal deviate the Box-Muller draw below can produce: seeded_draw() is never
// below 2^-54.
const double largest_normal = std::sqrt(-2.0 * std::log(0x1.0p-54));

double lognormal_mu(double mean_us, double sigma) { return std::log(std::max(mean_us, 1e-300)) - 0.5 * sigma * sigma; }

}  // namespace

CostDistribution CostDistribution::parse(std::string_view text) {
  const auto colon = text.find(':');
  const std::string_view kind = text.substr(0, colon);
  const std::vector<double> numbers =
      colon == std::string_view::npos ? std::vector<double>{} : parse_numbers(text.substr(colon + 1), text);
  CostDistribution d;
  auto expect = [&](std::size_t n, std::string_view form) {
    if (numbers.size() != n) throw UsageError(fmt::format("cost '{}' must read '{}'", text, form));
  };
  if (kind == "const") {
    expect(1, "const:US");
    d.kind_ = Kind::constant;
  } else if (kind == "uniform") {
    expect(2, "uniform:MIN_US,MAX_US");
    if (numbers[1] < numbers[0]) throw UsageError(fmt::format("cost '{}': MIN_US is above MAX_US", text));
    d.kind_ = Kind::uniform;
  } else if (kind == "lognormal") {
    expect(2, "lognormal:MEAN_US,SIGMA");
    d.kind_ = Kind::lognormal;
  } else {
    throw UsageError(fmt::format("cost '{}' must be const:US, uniform:MIN_US,MAX_US or lognormal:MEAN_US,SIGMA", text));
  }
  d.a_ = numbers[0];
  d.b_ = numbers.size() > 1 ? numbers[1] : 0.0;
  const double largest = d.kind_ == Kind::constant ? d.a_
                         : d.kind_ == Kind::uniform ? d.b_
                                                    : std::exp(lognormal_mu(d.a_, d.b_) + d.b_ * largest_normal);
  if (!(largest <= max_cost_seconds * 1e6)) {
    throw UsageError(fmt::format("cost '{}' can draw {:.3g} us for a partition, more than the {:.3g} us (a nanosecond "
                                 "clock's range, about 146 years) a partition may spin",
                                 text, largest, max_cost_seconds * 1e6));
  }
  return d;
}

double CostDistribution::seconds(std::uint64_t seed, PartitionId id) const {
  double us = a_;
  if (kind_ == Kind::uniform) {
    us = a_ + (b_ - a_) * seeded_draw(seed, id, 0);
  } else if (kind_ == Kind::lognormal) {
    // Box-Muller from two draws; mu is chosen so that the distribution's mean is a_.
    const double normal = std::sqrt(-2.0 * std::log(seeded_draw(seed, id, 0))) *
                          std::cos(2.0 * std::numbers::pi * seeded_draw(seed, id, 1));
    us = a_ > 0 ? std::exp(lognormal_mu(a_, b_) + b_ * normal) : 0.0;
  }
  return us * 1e-6;
}

double CostDistribution::mean_seconds() const {
  return (kind_ == Kind::uniform ? 0.5 * (a_ + b_) : a_) * 1e-6;
}

std::string CostDistribution::describe() const {
  switch (kind_) {
    case Kind::constant: return fmt::format("const:{}", a_);
    case Kind::uniform: return fmt::format("uniform:{},{}", a_, b_);
    case Kind::lognormal: return fmt::format("lognormal:{},{}", a_, b_);
  }
  return {};
}

}  // namespace kdsched::kernels
