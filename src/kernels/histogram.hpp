#pragma once

#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"

#include <cstdint>
#include <vector>

namespace kdsched::kernels {

// A histogram's partial result: per-column extremes in the range-finding round, per-column bin
// counts (row-major, columns x bins) in the counting round.
struct HistogramPartial {
  std::vector<double> min;
  std::vector<double> max;
  std::vector<std::uint64_t> counts;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & min & max & counts;
  }
};

// Equal-width histograms per column with numpy.histogram's semantics. Without `range`, a first
// round finds each column's extremes and a second one counts.
class HistogramKernel final : public TypedKernel<HistogramPartial> {
 public:
  explicit HistogramKernel(const JobPlan& plan);

  bool reads_input() const override { return true; }
  std::optional<Bytes> next_round() override;
  std::uint64_t round_limit() const override { return rounds_; }
  void begin_round(std::uint32_t round, const Bytes& state) override;
  void finish(io::Group& result) override;

  // numpy.linspace(lo, hi, bins + 1) after numpy's widening of an empty range.
  static std::vector<double> edges_for(double lo, double hi, std::uint64_t bins);
  // The bin of x for these edges (numpy's rule: half-open bins, the last one closed), or -1.
  static std::int64_t bin_of(double x, const double* edges, std::uint64_t bins);

 protected:
  HistogramPartial map_partition(const Task& task, const io::Block& rows) override;
  void merge_partial(const Task& task, const HistogramPartial& partial) override;

 private:
  bool counting() const { return !edges_.empty(); }
  void start_counting(std::vector<double> edges);

  std::uint64_t columns_;
  std::uint64_t bins_;
  std::vector<double> edges_;  // columns x (bins + 1), empty while finding the range
  std::uint64_t rounds_ = 2;   // 1 when `range` gives the edges
  HistogramPartial total_;
};

}  // namespace kdsched::kernels
