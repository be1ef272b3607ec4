#pragma once

#include "common/ids.hpp"
#include "partition/index_range.hpp"

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

namespace kdsched::scheduling {

// The master's view of which worker was granted which partitions, and when: the one thing it
// knows exactly (steals move work between workers without it). From that view it answers two
// questions, both once nothing is left to deal:
// - a worker is lost: which partitions it was granted that have no result (dealt again at once);
// - an idle worker asks for work: which partition to run a backup copy of. With speculation, the
//   oldest-granted partition without a result that a copy would finish well before the original:
//   a partition granted behind q others (queued at the worker, and before it in its grant)
//   should end (q + 1) partition times of its worker after its grant. It is copied when that end
//   is more than `copy_gain` median partitions away (a slow worker: a fresh copy, one median
//   long, ends half a median first at least), or when it has not ended after `slow_factor` times
//   its expected time (a hung or straggling partition), and never before `min_age_s`. After a loss, any partition granted before it
//   that has no result, whatever its age, since the lost worker may have stolen it. The first
//   result is merged, later ones dropped.
// Pure logic: time is passed in as seconds since the job started.
class BackupRule {
 public:
  // See above; and never a copy before `min_age_s`: a copy of a short partition gains less than
  // it costs the machine (it runs beside the original where ranks share cores, and reads its
  // input again).
  static constexpr double slow_factor = 2;
  static constexpr double copy_gain = 1.5;
  static constexpr double min_age_s = 0.2;

  BackupRule(std::uint32_t workers, bool speculate);

  // `done` (results so far) lets the view drop settled grants now and then, so that its memory
  // follows the partitions in flight, not every grant of the round.
  // `queued`: partitions the worker held before this grant, as the master estimates them.
  void granted(std::uint32_t worker, IndexRange ids, std::uint64_t queued, double now_s, const std::vector<bool>& done);
  // A partition took `seconds` on `worker`: a sample of the running median and of the worker's
  // own mean.
  void finished(std::uint32_t worker, double seconds);

  // `worker` is lost: the partitions granted to it that have no result, in grant order; forgets
  // them (they are dealt again and granted anew).
  std::vector<IndexRange> orphans_of(std::uint32_t worker, const std::vector<bool>& done);

  // Partitions for an idle worker to copy (empty: none is due), marked as copied: each
  // partition is copied at most once, unless the worker holding the copy is lost. After a loss
  // in this round (orphans_of), partitions granted before it may be copied whatever their age:
  // the lost worker may have stolen them; those granted since are where they were granted.
  std::vector<IndexRange> backup_for(const std::vector<bool>& done, double now_s);

  // The median of the sampled partition times, 0 before any.
  double median_seconds();

  // Whether the worker is slow, with speculation on: by its own pace (WorkerRules::is_slow), or,
  // before it has finished any partition, because its first has run more than `slow_factor`
  // medians.
  bool slow(std::uint32_t worker, double now_s);

  // Whether a slow worker asking for work should get none: its next partition would end after
  // the `others` workers that are not slow had run the `remaining` partitions left to deal.
  // Those last partitions finish sooner anywhere else; the slow worker asks again later.
  bool withhold(std::uint32_t worker, double now_s, std::uint64_t remaining, std::uint32_t others);

  // A new round: nothing is granted yet; the samples stay (partitions of later rounds are alike).
  void new_round();

  std::uint64_t backups() const { return backups_; }

 private:
  void settle(std::uint32_t worker, const std::vector<bool>& done);

  struct Granted {
    IndexRange ids;
    PartitionId next;  // ids below it have a result or a copy
    double at_s;
    std::uint64_t queued;  // ahead of ids.begin at the worker when granted
    std::uint64_t sequence;  // grants made before this one in the round
  };
  static constexpr std::size_t sample_limit = 1024;

  bool speculate_;
  std::vector<std::vector<Granted>> granted_;  // per worker, in grant order
  std::vector<std::size_t> first_open_;        // per worker: entries before it are settled
  std::vector<std::size_t> compact_at_;        // per worker: the size that triggers a compaction
  std::unordered_set<PartitionId> copied_;
  std::vector<double> samples_;
  std::vector<double> worker_seconds_;        // per worker: partition seconds, summed
  std::vector<std::uint64_t> worker_partitions_;
  std::uint64_t sampled_ = 0;
  double median_s_ = 0;
  std::uint64_t median_at_ = 0;  // sampled_ when median_s_ was computed
  std::uint64_t backups_ = 0;
  std::uint64_t grants_ = 0;       // in this round
  std::uint64_t loss_before_ = 0;  // grants before the last loss of this round (0: none)
};

}  // namespace kdsched::scheduling
