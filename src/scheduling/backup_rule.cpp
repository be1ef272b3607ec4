#include "scheduling/backup_rule.hpp"

#include "scheduling/worker_rules.hpp"

#include "scheduling/grant.hpp"

#include <algorithm>
#include <limits>

namespace kdsched::scheduling {

namespace {
constexpr std::size_t first_compaction = 64;
}

BackupRule::BackupRule(std::uint32_t workers, bool speculate)
    : speculate_(speculate),
      granted_(workers),
      first_open_(workers, 0),
      compact_at_(workers, first_compaction),
      worker_seconds_(workers, 0.0),
      worker_partitions_(workers, 0) {}

void BackupRule::granted(std::uint32_t worker, IndexRange ids, std::uint64_t queued, double now_s,
                         const std::vector<bool>& done) {
  if (ids.empty()) return;
  auto& entries = granted_[worker];
  entries.push_back({ids, ids.begin, now_s, queued, grants_++});
  if (entries.size() < compact_at_[worker]) return;
  settle(worker, done);
  entries.erase(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(first_open_[worker]));
  first_open_[worker] = 0;
  compact_at_[worker] = std::max(first_compaction, 2 * entries.size());
}

// Moves past the worker's grants whose partitions all have a result or a copy.
void BackupRule::settle(std::uint32_t worker, const std::vector<bool>& done) {
  auto& entries = granted_[worker];
  std::size_t& first = first_open_[worker];
  while (first < entries.size()) {
    Granted& entry = entries[first];
    while (entry.next < entry.ids.end && (done[entry.next] || copied_.contains(entry.next))) ++entry.next;
    if (entry.next < entry.ids.end) break;
    ++first;
  }
}

// Every sample while there are few, then one in so many: the median of a long run does not
// depend on its every partition, and the cost stays one branch per result.
void BackupRule::finished(std::uint32_t worker, double seconds) {
  worker_seconds_[worker] += seconds;
  ++worker_partitions_[worker];
  const std::uint64_t n = sampled_++;
  if (samples_.size() < sample_limit) {
    samples_.push_back(seconds);
  } else if (n % 64 == 0) {
    samples_[(n / 64) % sample_limit] = seconds;
  }
}

double BackupRule::median_seconds() {
  if (samples_.empty()) return 0;
  // Recomputed once the samples have grown by an eighth: callers may ask on every request.
  if (median_at_ == 0 || sampled_ - median_at_ > median_at_ / 8) {
    std::vector<double> copy = samples_;
    const auto middle = copy.begin() + static_cast<std::ptrdiff_t>(copy.size() / 2);
    std::nth_element(copy.begin(), middle, copy.end());
    median_s_ = *middle;
    median_at_ = sampled_;
  }
  return median_s_;
}

bool BackupRule::slow(std::uint32_t worker, double now_s) {
  if (!speculate_ || samples_.empty()) return false;
  if (worker_partitions_[worker] > 0) {
    return WorkerRules::is_slow(worker_seconds_[worker] / static_cast<double>(worker_partitions_[worker]), median_seconds());
  }
  if (first_open_[worker] >= granted_[worker].size()) return false;
  return WorkerRules::is_slow(now_s - granted_[worker][first_open_[worker]].at_s, median_seconds());
}

bool BackupRule::withhold(std::uint32_t worker, double now_s, std::uint64_t remaining, std::uint32_t others) {
  if (others == 0 || !slow(worker, now_s)) return false;
  // Its pace, or at least what its first partition has taken so far.
  const double pace_s = worker_partitions_[worker] > 0
                            ? worker_seconds_[worker] / static_cast<double>(worker_partitions_[worker])
                            : now_s - granted_[worker][first_open_[worker]].at_s;
  return pace_s > static_cast<double>(remaining) * median_seconds() / others;
}

std::vector<IndexRange> BackupRule::orphans_of(std::uint32_t worker, const std::vector<bool>& done) {
  std::vector<IndexRange> orphans;
  for (std::size_t e = first_open_[worker]; e < granted_[worker].size(); ++e) {
    const IndexRange& ids = granted_[worker][e].ids;
    for (PartitionId id = ids.begin; id < ids.end; ++id) {
      if (!done[id]) append_id(orphans, id);
    }
  }
  granted_[worker].clear();
  first_open_[worker] = 0;
  compact_at_[worker] = first_compaction;
  loss_before_ = grants_;
  return orphans;
}

std::vector<IndexRange> BackupRule::backup_for(const std::vector<bool>& done, double now_s) {
  const bool after_loss = loss_before_ > 0;
  std::vector<IndexRange> copies;
  if (!speculate_ && !after_loss) return copies;
  const double median_s = median_seconds();
  if (!after_loss && samples_.empty()) return copies;
  // A copy after a loss may be of any partition without a result; a batch of them spares the
  // idle worker a round trip per partition.
  const std::uint64_t limit = after_loss ? 64 : 1;
  const auto overdue = [&](std::uint32_t worker, const Granted& entry) {
    if (entry.sequence < loss_before_) return true;
    if (!speculate_ || samples_.empty()) return false;
    const double age_s = now_s - entry.at_s;
    if (age_s < min_age_s) return false;
    // The worker's own pace, once it has one; the median's until then.
    const double pace_s = worker_partitions_[worker] > 0
                              ? worker_seconds_[worker] / static_cast<double>(worker_partitions_[worker])
                              : median_s;
    const double ahead = static_cast<double>(entry.queued + (entry.next - entry.ids.begin));
    const double expected_end_s = entry.at_s + (ahead + 1) * pace_s;
    return expected_end_s - now_s > copy_gain * median_s || age_s >= slow_factor * (ahead + 1) * std::max(pace_s, median_s);
  };
  std::uint64_t taken = 0;
  while (taken < limit) {
    // The oldest open grant of any worker that is overdue.
    std::size_t best_worker = granted_.size();
    double best_at = std::numeric_limits<double>::infinity();
    for (std::uint32_t w = 0; w < granted_.size(); ++w) {
      settle(w, done);
      const std::size_t first = first_open_[w];
      if (first < granted_[w].size() && granted_[w][first].at_s < best_at && overdue(w, granted_[w][first])) {
        best_at = granted_[w][first].at_s;
        best_worker = w;
      }
    }
    if (best_worker == granted_.size()) break;
    Granted& entry = granted_[best_worker][first_open_[best_worker]];
    const PartitionId id = entry.next++;
    copied_.insert(id);
    ++backups_;
    ++taken;
    append_id(copies, id);
  }
  return copies;
}

void BackupRule::new_round() {
  for (auto& entries : granted_) entries.clear();
  std::fill(first_open_.begin(), first_open_.end(), 0);
  std::fill(compact_at_.begin(), compact_at_.end(), first_compaction);
  copied_.clear();
  grants_ = 0;
  loss_before_ = 0;
}

}  // namespace kdsched::scheduling
