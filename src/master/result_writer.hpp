#pragma once

#include "io/records.hpp"
#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"

#include <string>
#include <vector>

namespace kdsched::master {

// Everything the result file records about a run besides the kernel's own result.
struct RunFacts {
  int mpi_ranks = 1;
  int workers = 0;
  std::string created_utc;
  std::string finished_utc;
  double wall_seconds = 0;
  double master_cpu_seconds = 0;  // CPU rank 0 used over wall_seconds (scheduling, merging)
  std::string status;  // complete | partial | failed
  std::vector<io::PartitionRecord> partitions;
  std::vector<io::WorkerRecord> workers_table;
};

// Writes the job's result file (§ output layout) atomically: a temporary, renamed when complete.
void write_result(const kernels::JobPlan& plan, kernels::Kernel& kernel, const RunFacts& facts, bool force);

// The current time as ISO 8601 UTC, e.g. "2026-11-23T18:07:31Z".
std::string utc_now();

}  // namespace kdsched::master
