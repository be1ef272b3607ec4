#pragma once

#include "job/job_spec.hpp"
#include "scheduling/chunk_rules.hpp"
#include "scheduling/grant.hpp"

#include <cstdint>
#include <vector>

namespace kdsched::scheduling {

// The master's side of self-scheduling: owns the partitions not yet dealt and decides, with the
// job's chunking policy, how many the next grant holds. Pure logic: no MPI, no clocks.
class Dealer {
 public:
  Dealer(std::uint64_t partitions, std::uint32_t workers, job::Chunking chunking, std::uint64_t chunk);

  // Grants sent before any request: static and cyclic deal everything here, the dynamic policies
  // one grant per worker.
  std::vector<Grant> initial_grants();

  // The answer to a worker's request: the next partitions in order, as one range; empty once
  // everything is dealt.
  IndexRange next_grant(std::uint32_t worker);

  // adaptive: a worker's measured throughput (partitions per busy second).
  void observe_rate(std::uint32_t worker, double partitions_per_second);

  std::uint64_t remaining() const { return next_.size(); }
  bool exhausted() const { return next_.empty(); }

 private:
  std::uint64_t grant_size(std::uint32_t worker);
  double relative_rate(std::uint32_t worker) const;

  std::uint64_t partitions_;
  std::uint32_t workers_;
  job::Chunking chunking_;
  std::uint64_t chunk_;
  IndexRange next_;
  std::uint64_t grants_made_ = 0;
  std::uint64_t batch_size_ = 0;  // factoring: size of the current batch's grants
  std::uint64_t batch_left_ = 0;  // factoring: grants left in the current batch
  rules::Trapezoid trapezoid_;
  std::vector<double> rates_;
};

// Affinity: every worker gets back the partitions it ran before (`previous[id]` = worker),
// consecutive ids as one range, so that rows it keeps in memory are used again.
std::vector<Grant> affinity_grants(const std::vector<std::uint32_t>& previous, std::uint32_t workers);

}  // namespace kdsched::scheduling
