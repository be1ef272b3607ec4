#include "app/commands.hpp"
#include "app/transactions_output.hpp"
#include "common/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

namespace kdsched::app {
namespace {

// Uniform doubles in [0, 1) and Poisson counts from one generator, without the library's
// distributions, whose output differs between standard libraries.
class Draws {
 public:
  explicit Draws(std::uint64_t seed) : rng_(seed) {}
  double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  std::uint64_t below(std::uint64_t n) { return static_cast<std::uint64_t>(uniform() * static_cast<double>(n)); }
  std::uint64_t poisson(double mean) {  // Knuth, in steps of 30 so that exp() never underflows
    std::uint64_t k = 0;
    for (double left = mean; left > 0; left -= 30.0) {
      const double limit = std::exp(-std::min(left, 30.0));
      for (double p = uniform(); p > limit; p *= uniform()) ++k;
    }
    return k;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace

// IBM Quest-style data: transactions are built from a pool of potentially frequent patterns
// (with weights, some overlap between consecutive patterns, and items dropped at random), topped
// up with single items, so that the data has itemsets worth mining.
int gen_transactions_command(const TransactionsOptions& options) {
  Draws draws(options.seed);
  const double pattern_mean = std::max(1.0, options.avg_length / 2.0);
  std::vector<std::vector<std::int64_t>> patterns(options.patterns);
  std::vector<double> weights(options.patterns);
  double total_weight = 0;
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    const std::uint64_t length = std::max<std::uint64_t>(1, draws.poisson(pattern_mean));
    std::set<std::int64_t> items;
    if (p > 0) {  // about half of each pattern comes from the previous one
      for (const auto item : patterns[p - 1]) {
        if (items.size() < length / 2 && draws.uniform() < 0.5) items.insert(item);
      }
    }
    while (items.size() < std::min<std::uint64_t>(length, options.items)) {
      items.insert(static_cast<std::int64_t>(draws.below(options.items)));
    }
    patterns[p].assign(items.begin(), items.end());
    weights[p] = -std::log(1.0 - draws.uniform());  // exponential weights
    total_weight += weights[p];
  }

  std::vector<std::int64_t> items;
  std::vector<std::int64_t> offsets{0};
  for (std::uint64_t t = 0; t < options.transactions; ++t) {
    const std::uint64_t length = std::min<std::uint64_t>(std::max<std::uint64_t>(1, draws.poisson(options.avg_length)), options.items);
    std::set<std::int64_t> transaction;
    for (int attempts = 0; transaction.size() < length && attempts < 64; ++attempts) {
      if (patterns.empty() || draws.uniform() < 0.25) {
        transaction.insert(static_cast<std::int64_t>(draws.below(options.items)));
        continue;
      }
      double pick = draws.uniform() * total_weight;
      std::size_t p = 0;
      while (p + 1 < patterns.size() && pick > weights[p]) pick -= weights[p++];
      for (const auto item : patterns[p]) {
        if (transaction.size() < length && draws.uniform() < 0.9) transaction.insert(item);
      }
    }
    items.insert(items.end(), transaction.begin(), transaction.end());
    offsets.push_back(static_cast<std::int64_t>(items.size()));
  }
  write_transactions(options.out, options.force, items, offsets, "kdsched gen transactions");
  log::info("wrote {} transactions over {} items ({:.2f} items each on average) to {}", options.transactions,
            options.items, options.transactions ? static_cast<double>(items.size()) / static_cast<double>(options.transactions) : 0.0,
            options.out);
  return 0;
}

}  // namespace kdsched::app
