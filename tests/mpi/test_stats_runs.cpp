#include "io/result_file.hpp"
#include "mpi/harness.hpp"
#include "reference/column_stats.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <random>

namespace kdsched::testing {
namespace {

struct Shape {
  const char* label;
  io::ElementType type;
  std::uint64_t rows;
  std::uint64_t cols;  // 0: a 1-D dataset
  std::uint64_t chunk_rows;  // 0: contiguous
  double nan_fraction;
};

const Shape shapes[] = {
    {"f64_2d_chunked_nan", io::ElementType::f64, 5000, 3, 256, 0.05},
    {"f32_1d_contiguous", io::ElementType::f32, 3001, 0, 0, 0.0},
    {"i16_2d_chunked", io::ElementType::i16, 2000, 4, 100, 0.0},
    {"u64_1d_chunked", io::ElementType::u64, 1500, 0, 64, 0.0},
    {"i8_2d_one_row", io::ElementType::i8, 1, 5, 0, 0.0},
};

// Values every type can hold exactly; NaN only where the type has one.
std::vector<double> make_values(const Shape& shape, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::uint64_t n = shape.rows * std::max<std::uint64_t>(1, shape.cols);
  std::vector<double> values(n);
  for (auto& v : values) {
    const double u = static_cast<double>(rng() % 1000) / 1000.0;
    switch (shape.type) {
      case io::ElementType::i8: v = std::round(u * 250 - 125); break;
      case io::ElementType::i16: v = std::round(u * 60000 - 30000); break;
      case io::ElementType::u64: v = std::round(u * 1e12); break;
      case io::ElementType::f32: v = static_cast<float>(u * 10 - 3); break;
      default: v = 1e3 + u * 5; break;
    }
    if (shape.nan_fraction > 0 && static_cast<double>(rng() % 10000) < shape.nan_fraction * 10000) {
      v = std::numeric_limits<double>::quiet_NaN();
    }
  }
  return values;
}

void expect_close(double actual, double expected, const std::string& what) {
  EXPECT_NEAR(actual, expected, 1e-12 * std::max(std::abs(expected), 1e-300)) << what;
}

class StatsRun : public EndToEnd, public ::testing::WithParamInterface<std::tuple<int, Shape>> {};

TEST_P(StatsRun, MatchesAnIndependentTwoPassComputation) {
  const auto [ranks, shape] = GetParam();
  const auto values = make_values(shape, 17);
  write_dataset(path("data.h5"), "/values", shape.type, shape.rows, shape.cols, shape.chunk_rows, values);
  // Small partitions so that every rank gets several and stealing has something to move.
  write_text("job.toml", fmt::format(R"([job]
name = "stats-{}"
output = "out/result.h5"
[input]
file = "data.h5"
dataset = "/values"
[partition]
count = 40
[kernel]
name = "stats"
[schedule]
chunking = "guided"
stealing = "random"
)", shape.label));

  const Completed run = this->run(ranks, {"run", "job.toml", "--progress", "off"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.error_lines().empty()) << run.err;

  const io::ResultFile result(path("out/result.h5"));
  const auto attributes = result.attributes("/");
  EXPECT_EQ(std::get<std::string>(attributes.at("status")), "complete");
  EXPECT_EQ(std::get<std::string>(attributes.at("kernel")), "stats");
  EXPECT_EQ(std::get<std::int64_t>(attributes.at("format_version")), 1);

  const std::uint64_t cols = std::max<std::uint64_t>(1, shape.cols);
  const auto count = result.read_u64("/result/count");
  const auto nan_count = result.read_u64("/result/nan_count");
  const auto mean = result.read_f64("/result/mean");
  const auto variance = result.read_f64("/result/variance");
  const auto min = result.read_f64("/result/min");
  const auto max = result.read_f64("/result/max");
  ASSERT_EQ(count.size(), cols);
  for (std::uint64_t c = 0; c < cols; ++c) {
    const reference::ColumnStats t = reference::column_stats(values, cols, c);
    const std::string where = fmt::format("column {}", c);
    EXPECT_EQ(count[c], t.count) << where;
    EXPECT_EQ(nan_count[c], t.nan_count) << where;
    expect_close(mean[c], t.mean, "mean " + where);
    expect_close(variance[c], t.variance, "variance " + where);
    EXPECT_EQ(min[c], t.min) << where;
    EXPECT_EQ(max[c], t.max) << where;
  }

  // Every partition exactly once, covering every row, and every worker row present.
  const auto partitions = result.read_partitions();
  std::uint64_t next_row = 0;
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    EXPECT_EQ(partitions[i].id, i);
    EXPECT_EQ(partitions[i].row_begin, next_row);
    EXPECT_EQ(partitions[i].status, 0);
    next_row = partitions[i].row_end;
  }
  EXPECT_EQ(next_row, shape.rows);
  const auto workers = result.read_workers();
  ASSERT_EQ(workers.size(), static_cast<std::size_t>(ranks));
  std::uint64_t executed = 0, bytes = 0;
  for (const auto& w : workers) {
    executed += w.partitions;
    bytes += w.bytes_read;
  }
  EXPECT_EQ(executed, partitions.size());
  EXPECT_EQ(bytes, shape.rows * cols * io::element_size(shape.type));
  EXPECT_TRUE(files_starting_with("result.h5.tmp").empty());
}

INSTANTIATE_TEST_SUITE_P(Shapes, StatsRun, ::testing::Combine(::testing::ValuesIn(rank_counts), ::testing::ValuesIn(shapes)),
                         [](const auto& info) {
                           return fmt::format("n{}_{}", std::get<0>(info.param), std::get<1>(info.param).label);
                         });

// numpy's answers with ±inf among the values, at several rank counts and partition sizes: the
// reference sums the infinities in, so inf - inf gives its NaNs of its own accord.
using StatsCases = EndToEnd;

TEST_F(StatsCases, WithInfinitiesDoNotDependOnThePartitioning) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  constexpr std::uint64_t rows = 1000, cols = 5;
  std::mt19937_64 rng(3);
  std::vector<double> values(rows * cols);
  for (auto& v : values) v = static_cast<double>(rng() % 1000) / 8.0;
  // Columns: finite and +inf; finite and -inf; both signs; finite only; +inf and NaN.
  values[3 * cols + 0] = values[777 * cols + 0] = inf;
  values[500 * cols + 1] = -inf;
  values[10 * cols + 2] = inf;
  values[990 * cols + 2] = -inf;
  values[0 * cols + 4] = values[600 * cols + 4] = inf;
  values[601 * cols + 4] = std::numeric_limits<double>::quiet_NaN();
  write_dataset(path("data.h5"), "/values", io::ElementType::f64, rows, cols, 64, values);
  const auto same = [](double actual, double expected, const std::string& what) {
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(actual)) << what << ": " << actual;
    } else if (std::isinf(expected)) {
      EXPECT_EQ(actual, expected) << what;
    } else {
      expect_close(actual, expected, what);
    }
  };
  for (const int ranks : {0, 2, 4}) {
    for (const int count : {1, 6, 40}) {
      write_text("job.toml", fmt::format("[job]\nname = \"inf\"\noutput = \"inf.h5\"\n[input]\nfile = \"data.h5\"\n"
                                         "dataset = \"/values\"\n[partition]\ncount = {}\n[kernel]\nname = \"stats\"\n",
                                         count));
      const Completed run = this->run(ranks, {"run", "job.toml", "--force", "--progress", "off"});
      ASSERT_EQ(run.exit_code, 0) << run.err;
      const io::ResultFile result(path("inf.h5"));
      const auto count_ = result.read_u64("/result/count");
      const auto mean = result.read_f64("/result/mean");
      const auto variance = result.read_f64("/result/variance");
      const auto min = result.read_f64("/result/min");
      const auto max = result.read_f64("/result/max");
      for (std::uint64_t c = 0; c < cols; ++c) {
        const reference::ColumnStats t = reference::column_stats(values, cols, c);
        const std::string where = fmt::format("column {}, {} ranks, {} partitions", c, ranks, count);
        EXPECT_EQ(count_[c], t.count) << where;
        same(mean[c], t.mean, "mean " + where);
        same(variance[c], t.variance, "variance " + where);
        EXPECT_EQ(min[c], t.min) << where;
        EXPECT_EQ(max[c], t.max) << where;
      }
      EXPECT_EQ(mean[0], inf);
      EXPECT_EQ(mean[1], -inf);
      EXPECT_TRUE(std::isnan(mean[2]));
      EXPECT_TRUE(std::isnan(variance[0]));
      EXPECT_EQ(max[4], inf);
    }
  }
}

}  // namespace
}  // namespace kdsched::testing
