#pragma once

#include "job/job_spec.hpp"
#include "scheduling/chunk_rules.hpp"
#include "scheduling/deal_order.hpp"
#include "scheduling/grant.hpp"

#include <cstdint>
#include <vector>

namespace kdsched::scheduling {

// The master's side of self-scheduling: owns the partitions not yet dealt and decides, with the
// job's chunking policy, how many the next grant holds, and with its order which ones. Pure
// logic: no MPI, no clocks.
class Dealer {
 public:
  Dealer(std::uint64_t partitions, std::uint32_t workers, job::Chunking chunking, std::uint64_t chunk,
         DealOrder order = {});

  // Grants sent before any request: static and cyclic deal everything here, the dynamic policies
  // one grant per worker.
  std::vector<Grant> initial_grants();

  // The answer to a worker's request: the next partitions in deal order, appended to `ids`
  // (consecutive ids as one range). Returns how many; 0 once everything is dealt.
  std::uint64_t next_grant(std::uint32_t worker, std::vector<IndexRange>& ids);

  // A worker finished partitions that took `busy_seconds` in all; adaptive weighs its grants by
  // the rate this gives (partitions per busy second).
  void completed(std::uint32_t worker, std::uint64_t partitions, double busy_seconds);

  std::uint64_t remaining() const { return next_.size(); }
  bool exhausted() const { return next_.empty(); }

 private:
  std::uint64_t grant_size(std::uint32_t worker);
  std::uint64_t rule_size(std::uint32_t worker);  // in partitions of equal cost
  double relative_rate(std::uint32_t worker) const;

  std::uint64_t partitions_;
  std::uint32_t workers_;
  job::Chunking chunking_;
  std::uint64_t chunk_;
  DealOrder order_;
  IndexRange next_;  // positions in order_ not yet dealt
  std::uint64_t grants_made_ = 0;
  std::uint64_t batch_size_ = 0;  // factoring: size of the current batch's grants
  std::uint64_t batch_left_ = 0;  // factoring: grants left in the current batch
  rules::Trapezoid trapezoid_;
  // adaptive: per worker, partitions done, their busy seconds, and the rate (0 = not yet known)
  std::vector<std::uint64_t> done_;
  std::vector<double> busy_s_;
  std::vector<double> rates_;
  double rate_sum_ = 0;
  std::uint32_t rates_known_ = 0;
};

// Affinity: every worker gets back the partitions it ran before (`previous[id]` = worker),
// consecutive ids as one range, so that rows it keeps in memory are used again. Ids already
// `done` (a resumed round) are left out; a worker beyond `workers` (a run resumed with fewer
// ranks) is replaced by one that exists.
std::vector<Grant> affinity_grants(const std::vector<std::uint32_t>& previous, std::uint32_t workers,
                                   const std::vector<bool>& done);

}  // namespace kdsched::scheduling
