#pragma once

#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kdsched::kernels {

struct CommandPartial {
  std::int32_t exit_code = 0;
  double duration_s = 0;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & exit_code & duration_s;
  }
};

// Runs an external program per partition, with the partition's file, dataset and range filled
// into its arguments. A non-zero exit or a timeout fails the partition.
class CommandKernel final : public TypedKernel<CommandPartial> {
 public:
  explicit CommandKernel(const JobPlan& plan);

  bool reads_input() const override { return false; }
  void finish(io::Group& result) override;

  // The arguments for one partition, placeholders replaced.
  std::vector<std::string> arguments(const Task& task) const;

 protected:
  CommandPartial map_partition(const Task& task, const io::Block& rows) override;
  void merge_partial(const Task& task, const CommandPartial& partial) override;

 private:
  // Copied from the plan: a kernel must not depend on where its plan lives.
  std::vector<std::filesystem::path> files_;
  std::string input_file_;
  std::string dataset_;
  std::string job_name_;
  std::vector<std::string> argv_;
  std::optional<std::chrono::duration<double>> timeout_;
  std::filesystem::path logs_;
  std::vector<std::int32_t> exit_codes_;
  std::vector<double> durations_;
};

}  // namespace kdsched::kernels
