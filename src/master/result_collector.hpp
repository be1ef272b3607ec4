#pragma once

#include "common/default_init_allocator.hpp"
#include "io/records.hpp"
#include "journal/appender.hpp"
#include "journal/journal.hpp"
#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"
#include "master/progress.hpp"
#include "master/result_writer.hpp"
#include "protocol/messages.hpp"
#include "scheduling/completion_tracker.hpp"

#include <chrono>
#include <deque>
#include <span>
#include <string>
#include <vector>

namespace kdsched::master {

// The master's ledger: merges each partition's result exactly once and keeps the /partitions
// rows, whichever way the outcomes arrive (from workers, or computed in place when alone).
// Partial results are merged in partition-id order: floating-point merging does not associate,
// so a fixed order is what makes the result bitwise the same whatever the worker count, the
// chunking or the steals. A partial that arrives before a lower id waits in memory for its turn.
class ResultCollector {
 public:
  ResultCollector(const kernels::JobPlan& plan, kernels::Kernel& kernel, Progress& progress);

  // The outcome of the last of `attempts` attempts. A partition that already has a result (a
  // speculative backup's, or the lost worker's that was dealt again) keeps it: the later one is
  // dropped and false returned. Throws RuntimeError for an id out of range: a protocol violation.
  // The outcome's partial may be moved from (it waits for its turn in the id-ordered merge).
  bool accept(Rank rank, protocol::Outcome& outcome, std::uint16_t attempts = 1);

  // Every partition of the current round has a result.
  bool all_done() const { return tracker_.all_done(); }
  // done()[id]: partition id of the current round has a result.
  const std::vector<bool>& done() const { return tracker_.done(); }
  std::uint64_t completed() const { return tracker_.completed(); }

  // From now on every accepted outcome is journaled: buffered, and written as one batch (by a
  // thread of the journal's own, journal::Appender) once `checkpoint_seconds` have passed or the
  // buffer is full. The journal must outlive the collector, or close_journal() come first.
  void journal_to(journal::Journal& journal, double checkpoint_seconds);
  // Hands the buffered outcomes over to be written when the checkpoint interval has passed.
  // Cheap: callers call it whenever they look at the clock anyway.
  void checkpoint(std::chrono::steady_clock::time_point now);
  // Makes every outcome accepted so far durable, before it returns.
  void flush_journal();
  // Stops journaling, dropping what is not written yet: the run is complete, and its journal is
  // about to be removed.
  void close_journal();

  // Resume: accepts a journal's entries as they were accepted before (in the order journaled),
  // beginning the next round whenever one is complete, exactly as the master did then. Leaves
  // the ledger in the journal's last round, with `state` what that round's workers need (empty
  // in round 0). Throws IoError when the entries do not fit the job.
  void replay(std::vector<journal::Entry>& entries, Bytes& state);
  std::uint64_t from_journal() const { return from_journal_; }

  // After a round without failures: asks the kernel for another round. When it wants one, the
  // kernel has begun it, `state` holds what the workers need, and the ledger is ready for it.
  bool next_round(Bytes& state);
  std::uint32_t round() const { return round_; }

  // For kernels that keep rows in memory, from the second round on: the worker (rank - 1) that
  // ran each partition in the previous round.
  std::optional<std::vector<std::uint32_t>> previous_assignment() const;

  std::uint64_t failed() const { return failed_; }
  // Results dropped because their partition had one already, over every round.
  std::uint64_t duplicates() const { return duplicates_; }
  // The most partials that ever waited for a lower id, for the cost of the fixed merge order.
  std::uint64_t peak_waiting() const { return peak_waiting_; }
  const std::string& first_failure() const { return first_failure_; }
  std::span<const io::PartitionRecord> records() const { return records_; }
  const std::vector<RoundRecord>& rounds() const { return rounds_; }

 private:
  void submit_journal();
  // A partition's turn in the id-ordered merge.
  struct Pending {
    bool arrived = false;
    bool has_partial = false;
    Bytes partial;
  };
  void merge_in_order(PartitionId id, protocol::Outcome& outcome);
  void merge(PartitionId id, const Bytes& partial);

  const kernels::JobPlan& plan_;
  kernels::Kernel& kernel_;
  Progress& progress_;
  scheduling::CompletionTracker tracker_;
  std::vector<io::PartitionRecord, DefaultInitAllocator<io::PartitionRecord>> records_;
  std::vector<RoundRecord> rounds_{1};
  std::uint32_t round_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t duplicates_ = 0;
  PartitionId first_failed_id_ = 0;
  std::string first_failure_;
  PartitionId next_merge_ = 0;   // the lowest id of this round not merged yet
  std::deque<Pending> waiting_;  // waiting_[i] is partition next_merge_ + i
  std::uint64_t waiting_count_ = 0;
  std::uint64_t peak_waiting_ = 0;
  journal::Journal* journal_ = nullptr;
  std::unique_ptr<journal::Appender> appender_;
  std::chrono::steady_clock::duration checkpoint_interval_{};
  std::chrono::steady_clock::time_point next_checkpoint_{};
  journal::Batch journal_batch_;  // outcomes accepted since the last batch was written
  std::uint64_t from_journal_ = 0;
};

}  // namespace kdsched::master
