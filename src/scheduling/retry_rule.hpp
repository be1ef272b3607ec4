#pragma once

#include "common/ids.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

namespace kdsched::scheduling {

// The master's rule for failed attempts (`[faults] retries`): a partition runs at most
// retries + 1 times in a round, each retry on a worker that has not failed it yet when there is
// one. It also counts the losses of workers that were running a partition: one that took down
// `retries + 1` workers is a poison partition and fails instead of taking down more. Failures are
// rare, so only failed partitions take memory.
class RetryRule {
 public:
  explicit RetryRule(std::uint32_t retries) : retries_(retries) {}

  // An attempt of `id` failed on `worker`: true when another attempt may follow.
  bool failed(PartitionId id, std::uint32_t worker);

  // A worker was lost while it held `id`: true when the partition may run again, false once it
  // has been held by retries + 1 lost workers (`losses` counts earlier runs too, from the journal).
  bool lost_with(PartitionId id, std::uint32_t losses_before = 0);

  // How many lost workers were running `id`, as far as the master can tell.
  std::uint32_t losses(PartitionId id) const;

  // The attempts of `id` so far, counting the one that ends now (`succeeded`: one that is not
  // counted by failed()).
  std::uint16_t attempts(PartitionId id, bool succeeded) const;

  // Where a retry of `id` runs: the worker with the least queued work (`queued`) among those
  // `usable` that have not failed it; when every usable worker has failed it, the least loaded of
  // them. Nothing when no worker is usable.
  std::optional<std::uint32_t> worker_for(PartitionId id, std::uint32_t workers,
                                          const std::function<bool(std::uint32_t)>& usable,
                                          const std::function<std::uint64_t(std::uint32_t)>& queued) const;

  // A new round: every partition starts again with no failed attempt.
  void new_round() { failures_.clear(); }

  std::uint32_t retries() const { return retries_; }

 private:
  struct Failures {
    std::uint16_t attempts = 0;  // failed attempts, lost ones included
    std::uint16_t losses = 0;
    std::vector<std::uint32_t> workers;  // where they failed
  };
  std::uint32_t retries_;
  std::unordered_map<PartitionId, Failures> failures_;
};

}  // namespace kdsched::scheduling
