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
    const double mu = std::log(std::max(a_, 1e-300)) - 0.5 * b_ * b_;
    us = a_ > 0 ? std::exp(mu + b_ * normal) : 0.0;
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
