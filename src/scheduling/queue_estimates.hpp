#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace kdsched::scheduling {

// What the master knows of the workers' local queues, for `stealing = "master"`: the length each
// worker last reported, plus what was granted since, less what the master ordered stolen. The
// victim it names for an idle worker is the one holding the most.
class QueueEstimates {
 public:
  explicit QueueEstimates(std::uint32_t workers) : queued_(workers, 0) {}

  // A worker's own count, carried by each of its requests.
  void reported(std::uint32_t worker, std::uint64_t queued) { queued_.at(worker) = queued; }
  void granted(std::uint32_t worker, std::uint64_t partitions) { queued_.at(worker) += partitions; }

  // The worker other than `thief` with the most queued partitions (the lowest index among equals),
  // or nothing when no other worker holds any. The estimate moves the back half, rounded up, of
  // the victim's queue to the thief, as the steal will.
  std::optional<std::uint32_t> victim_for(std::uint32_t thief);

  std::uint64_t queued(std::uint32_t worker) const { return queued_.at(worker); }

 private:
  std::vector<std::uint64_t> queued_;
};

}  // namespace kdsched::scheduling
