#pragma once

#include "io/records.hpp"
#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"

#include "common/interrupt.hpp"
#include "io/output_file.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kdsched::master {

// What one round cost, for /rounds: how iterative kernels use their caches shows here.
struct RoundRecord {
  std::uint64_t partitions = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t cache_hits = 0;
  double start_s = 0;  // first partition start
  double end_s = 0;    // last partition end
};

// Everything the result file records about a run besides the kernel's own result.
struct RunFacts {
  int mpi_ranks = 1;
  int workers = 0;
  std::string created_utc;
  std::string finished_utc;
  double wall_seconds = 0;
  double master_cpu_seconds = 0;  // CPU rank 0 used over wall_seconds (scheduling, merging)
  std::uint64_t master_peak_send_bytes = 0;  // the most bytes rank 0 ever had in unfinished sends
  std::uint64_t merge_peak_waiting = 0;      // the most partials that waited for a lower id
  std::string status;  // complete | partial | failed
  bool resumed = false;                      // the run continued a journal (run --resume)
  std::uint64_t partitions_from_journal = 0;  // outcomes replayed from it, over every round
  std::uint64_t lost_workers = 0;
  std::uint64_t copies = 0;      // backup copies dealt (speculation, or a lost worker's partitions)
  std::uint64_t duplicates = 0;  // results dropped because their partition had one already
  std::span<const io::PartitionRecord> partitions;
  std::vector<io::WorkerRecord> workers_table;
  std::vector<RoundRecord> rounds;
};

// The job's result file, written atomically: created under a temporary name before the job runs
// (so that kernels can stream large results, such as k-means labels, into /result while
// partitions finish) and renamed into place by finish(). Destroying it unfinished removes it.
class ResultWriter {
 public:
  // Throws IoError when the output exists (without `force`) or cannot be written, and as
  // kernels::check_output does when it is a file the job reads or a directory.
  ResultWriter(const kernels::JobPlan& plan, bool force);

  io::Group& result() { return *result_; }
  const std::filesystem::path& temporary() const { return file_->temporary(); }

  void finish(kernels::Kernel& kernel, const RunFacts& facts);

  // Removes the temporary now: for paths that end the process without unwinding.
  void discard();

 private:
  const kernels::JobPlan& plan_;
  // A signal ends the process without unwinding: the handler removes the temporary then. Declared
  // before file_, so that it is forgotten only after file_ has removed the temporary.
  std::optional<interrupt::RemoveOnSignal> remove_on_signal_;
  std::unique_ptr<io::OutputFile> file_;
  std::optional<io::Group> result_;
};

// The current time as ISO 8601 UTC, e.g. "2026-11-23T18:07:31Z".
std::string utc_now();

}  // namespace kdsched::master
