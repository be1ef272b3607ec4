#pragma once

#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"

#include <filesystem>
#include <vector>

namespace kdsched::kernels {

// Per partition id, the mean measured seconds in the /partitions table of a result file (every
// run's table is a cost model for the next). Throws IoError when the file or table is unreadable.
std::vector<double> measured_costs(const std::filesystem::path& result_file);

// The estimated cost of every partition, for order = "lpt": the times measured by the run named
// in `costs_from`, which must have as many partitions, or else the kernel's own estimate.
std::vector<double> estimate_costs(const JobPlan& plan, const Kernel& kernel);

}  // namespace kdsched::kernels
