#pragma once

#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"

#include <memory>
#include <string_view>
#include <vector>

namespace kdsched::kernels {

// The kernel the job names, configured from its [kernel] parameters (validated here, with
// located errors). Every rank builds its own from the same job.
std::unique_ptr<Kernel> make_kernel(const JobPlan& plan);

// Names of the kernels this build provides.
std::vector<std::string_view> available_kernels();

}  // namespace kdsched::kernels
