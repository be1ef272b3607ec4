#pragma once

#include "io/input_file.hpp"
#include "job/job_spec.hpp"
#include "partition/partition_plan.hpp"

#include <filesystem>
#include <optional>
#include <vector>

namespace kdsched::kernels {

// A job made concrete: its spec, the input it reads, and its partitions. Building one checks
// that the input exists and has a usable shape and type.
struct JobPlan {
  job::JobSpec spec;
  std::optional<io::DatasetInfo> input;
  PartitionPlan partitions;
  std::vector<std::filesystem::path> files;  // one partition per file, when the input is files
  bool transactions = false;                 // the input is CSR transactions (items + offsets)

  std::uint64_t row_bytes() const { return input ? input->row_bytes() : 0; }
};

// Throws UsageError for inconsistent jobs and IoError for unusable inputs.
JobPlan make_job_plan(job::JobSpec spec);

// Throws UsageError when the output exists and is one of the files the job reads (the job file, its
// input, its files, costs_from), compared by identity, and IoError when it is a directory: even with
// --force a run must not replace what it reads. Rank 0 checks it, in validate and before a run
// starts; on every rank it would stat each of a job's files once per rank.
void check_output(const JobPlan& plan);

}  // namespace kdsched::kernels
