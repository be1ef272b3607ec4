#include "io/result_file.hpp"
#include "mpi/harness.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <random>

namespace kdsched::testing {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint64_t rows = 3000, cols = 3;

// Column 0: random values with NaNs; column 1: constant; column 2: integers 0..9, which sit
// exactly on the edges of 9 bins over [0, 9].
std::vector<double> make_values() {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(-4.0, 6.0);
  std::vector<double> values(rows * cols);
  for (std::uint64_t r = 0; r < rows; ++r) {
    values[r * cols] = r % 17 == 0 ? nan : uniform(rng);
    values[r * cols + 1] = 5.0;
    values[r * cols + 2] = static_cast<double>(r % 10);
  }
  return values;
}

// numpy.histogram computed here from scratch: linspace edges, then a search of the edges.
struct Expected {
  std::vector<double> edges;
  std::vector<std::uint64_t> counts;
};

Expected expected(const std::vector<double>& values, std::uint64_t col, std::uint64_t bins, double lo, double hi) {
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  Expected e;
  for (std::uint64_t i = 0; i < bins; ++i) e.edges.push_back(lo + static_cast<double>(i) * ((hi - lo) / static_cast<double>(bins)));
  e.edges.push_back(hi);
  e.counts.assign(bins, 0);
  for (std::uint64_t r = 0; r < rows; ++r) {
    const double x = values[r * cols + col];
    for (std::uint64_t i = 0; i < bins; ++i) {
      if (x >= e.edges[i] && (x < e.edges[i + 1] || (i == bins - 1 && x == e.edges[i + 1]))) {
        ++e.counts[i];
        break;
      }
    }
  }
  return e;
}

std::pair<double, double> extremes(const std::vector<double>& values, std::uint64_t col) {
  double lo = INFINITY, hi = -INFINITY;
  for (std::uint64_t r = 0; r < rows; ++r) {
    const double x = values[r * cols + col];
    if (std::isnan(x)) continue;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  return {lo, hi};
}

class HistogramRun : public EndToEnd, public ::testing::WithParamInterface<int> {
 protected:
  void check(const std::string& kernel_lines, std::uint64_t bins, bool auto_range, double lo, double hi,
             const std::string& schedule = "") {
    const auto values = make_values();
    write_dataset(path("data.h5"), "/values", io::ElementType::f64, rows, cols, 100, values);
    write_text("job.toml", "[job]\nname = \"h\"\noutput = \"h.h5\"\n[input]\nfile = \"data.h5\"\ndataset = \"/values\"\n"
                           "[partition]\ncount = 13\n[kernel]\nname = \"histogram\"\n" + kernel_lines +
                           (schedule.empty() ? "" : "[schedule]\n" + schedule));
    const Completed run = this->run(GetParam(), {"run", "job.toml", "--progress", "off"});
    ASSERT_EQ(run.exit_code, 0) << run.err;

    const io::ResultFile result(path("h.h5"));
    std::vector<std::uint64_t> edge_dims, count_dims;
    const auto edges = result.read_f64("/result/edges", &edge_dims);
    const auto counts = result.read_u64("/result/counts", &count_dims);
    ASSERT_EQ(edge_dims, (std::vector<std::uint64_t>{cols, bins + 1}));
    ASSERT_EQ(count_dims, (std::vector<std::uint64_t>{cols, bins}));
    for (std::uint64_t c = 0; c < cols; ++c) {
      const auto [min, max] = auto_range ? extremes(values, c) : std::pair{lo, hi};
      const Expected e = expected(values, c, bins, min, max);
      for (std::uint64_t i = 0; i <= bins; ++i) EXPECT_EQ(edges[c * (bins + 1) + i], e.edges[i]) << c << "," << i;
      for (std::uint64_t i = 0; i < bins; ++i) EXPECT_EQ(counts[c * bins + i], e.counts[i]) << c << "," << i;
    }
    // One round per pass over the data: two without a range, one with it.
    const auto partitions = result.read_partitions();
    EXPECT_EQ(partitions.size(), auto_range ? 26u : 13u);
    EXPECT_EQ(partitions.back().round, auto_range ? 1u : 0u);
  }
};

TEST_P(HistogramRun, FindsTheRangeInAFirstRound) { check("bins = 9\n", 9, true, 0, 0); }

TEST_P(HistogramRun, WithARangeIgnoresValuesOutsideIt) { check("bins = 4\nrange = [2, 6]\n", 4, false, 2, 6); }

// Rounds with everything dealt up front, so that idle workers steal across the change of round.
TEST_P(HistogramRun, RoundsWithStealingThroughTheMaster) {
  check("bins = 9\n", 9, true, 0, 0, "chunking = \"static\"\nstealing = \"master\"\n");
}

TEST_P(HistogramRun, RoundsWithRandomStealing) {
  check("bins = 9\n", 9, true, 0, 0, "chunking = \"cyclic\"\nstealing = \"random\"\n");
}

INSTANTIATE_TEST_SUITE_P(Ranks, HistogramRun, ::testing::Values(0, 1, 2, 4), [](const auto& info) {
  return info.param == 0 ? std::string("singleton") : fmt::format("n{}", info.param);
});

}  // namespace
}  // namespace kdsched::testing
