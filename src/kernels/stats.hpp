#pragma once

#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"
#include "kernels/moments.hpp"

namespace kdsched::kernels {

// Per-column count, NaN count, mean, population variance, min and max.
class StatsKernel final : public TypedKernel<Moments> {
 public:
  explicit StatsKernel(const JobPlan& plan);

  bool reads_input() const override { return true; }
  void finish(io::Group& result) override;

  const Moments& total() const { return total_; }

 protected:
  Moments map_partition(const Task& task, const io::Block& rows) override;
  void merge_partial(const Task& task, const Moments& partial) override;

 private:
  Moments total_;
};

}  // namespace kdsched::kernels
