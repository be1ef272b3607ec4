#include "app/commands.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "io/output_file.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace kdsched::app {
namespace {

// Draws from the standard normal distribution by Box-Muller: unlike std::normal_distribution,
// its output is the same with every standard library, so a seed names one dataset everywhere.
class Normal {
 public:
  explicit Normal(std::mt19937_64& rng) : rng_(rng) {}
  double operator()() {
    const double u1 = (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53;
    const double u2 = (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64& rng_;
};

}  // namespace

int gen_blobs_command(const BlobsOptions& options) {
  const io::ElementType type = options.dtype == "f32" ? io::ElementType::f32 : io::ElementType::f64;
  const std::uint64_t row_bytes = options.cols * io::element_size(type);
  const std::uint64_t chunk_rows =
      std::min(options.rows, options.chunk_rows.value_or(std::max<std::uint64_t>(1, (std::uint64_t{1} << 20) / row_bytes)));

  std::mt19937_64 rng(options.seed);
  Normal normal(rng);
  std::vector<double> centers(options.centers * options.cols);
  for (double& c : centers) c = -10.0 + 20.0 * (static_cast<double>(rng() >> 11) * 0x1.0p-53);

  io::OutputFile file(options.out, options.force);
  io::Group& root = file.root();
  root.set_attribute("generator", std::string("kdsched gen blobs"));
  root.set_attribute("seed", options.seed);
  root.write("centers", std::span<const double>(centers), {options.centers, options.cols});
  io::DatasetWriter points = root.create_dataset(options.dataset, type, options.rows, options.cols, chunk_rows);
  io::DatasetWriter labels = root.create_dataset("labels", io::ElementType::i32, options.rows, 0, chunk_rows);

  std::vector<double> block;
  std::vector<std::int32_t> block_labels;
  for (std::uint64_t begin = 0; begin < options.rows; begin += chunk_rows) {
    const std::uint64_t rows = std::min(chunk_rows, options.rows - begin);
    block.resize(rows * options.cols);
    block_labels.resize(rows);
    for (std::uint64_t r = 0; r < rows; ++r) {
      const auto label = static_cast<std::uint64_t>(rng() % options.centers);
      block_labels[r] = static_cast<std::int32_t>(label);
      for (std::uint64_t c = 0; c < options.cols; ++c) {
        block[r * options.cols + c] = centers[label * options.cols + c] + normal();
      }
    }
    points.write_rows(begin, block);
    labels.write_rows(begin, block_labels);
  }
  file.commit();
  log::info("wrote {} points x {} ({}) around {} centers to {}:{}, chunks of {} rows", options.rows, options.cols,
            options.dtype, options.centers, options.out, options.dataset, chunk_rows);
  return 0;
}

}  // namespace kdsched::app
