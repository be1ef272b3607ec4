#include "scheduling/dealer.hpp"

#include <numeric>

namespace kdsched::scheduling {

Dealer::Dealer(std::uint64_t partitions, std::uint32_t workers, job::Chunking chunking, std::uint64_t chunk)
    : partitions_(partitions),
      workers_(std::max<std::uint32_t>(1, workers)),
      chunking_(chunking),
      chunk_(std::max<std::uint64_t>(1, chunk)),
      next_{0, partitions},
      trapezoid_(rules::Trapezoid::make(partitions, workers_, chunk_)),
      rates_(workers_, 0.0) {}

std::vector<Grant> Dealer::initial_grants() {
  std::vector<Grant> grants(workers_);
  for (std::uint32_t w = 0; w < workers_; ++w) grants[w].worker = w;

  if (chunking_ == job::Chunking::static_block) {
    const std::uint64_t block = rules::static_block(partitions_, workers_);
    for (auto& grant : grants) grant.ranges.push_back(next_.split_front(block));
  } else if (chunking_ == job::Chunking::cyclic) {
    for (std::uint64_t id = 0; id < partitions_; ++id) grants[id % workers_].ranges.push_back({id, id + 1});
    next_ = {partitions_, partitions_};
  } else {
    for (auto& grant : grants) {
      if (const IndexRange range = next_grant(grant.worker); !range.empty()) grant.ranges.push_back(range);
    }
  }
  return grants;
}

IndexRange Dealer::next_grant(std::uint32_t worker) {
  if (next_.empty()) return {};
  const IndexRange range = next_.split_front(grant_size(worker));
  ++grants_made_;
  return range;
}

void Dealer::observe_rate(std::uint32_t worker, double partitions_per_second) {
  if (worker < rates_.size() && partitions_per_second > 0) rates_[worker] = partitions_per_second;
}

double Dealer::relative_rate(std::uint32_t worker) const {
  double sum = 0;
  std::uint32_t known = 0;
  for (const double rate : rates_) {
    if (rate > 0) {
      sum += rate;
      ++known;
    }
  }
  if (known == 0 || rates_[worker] <= 0) return 1.0;
  return rates_[worker] / (sum / known);
}

std::uint64_t Dealer::grant_size(std::uint32_t worker) {
  const std::uint64_t remaining = next_.size();
  switch (chunking_) {
    case job::Chunking::static_block:
    case job::Chunking::cyclic:
    case job::Chunking::fixed:
      return chunk_;
    case job::Chunking::guided:
      return rules::guided(remaining, workers_, chunk_);
    case job::Chunking::factoring:
      if (batch_left_ == 0) {
        batch_size_ = rules::guided(remaining, workers_, chunk_);
        batch_left_ = workers_;
      }
      --batch_left_;
      return batch_size_;
    case job::Chunking::trapezoid:
      return trapezoid_.size(grants_made_);
    case job::Chunking::adaptive:
      return rules::weighted_guided(remaining, workers_, chunk_, relative_rate(worker));
  }
  return chunk_;
}

std::vector<Grant> affinity_grants(const std::vector<std::uint32_t>& previous, std::uint32_t workers) {
  std::vector<Grant> grants(workers);
  for (std::uint32_t w = 0; w < workers; ++w) grants[w].worker = w;
  for (std::uint64_t id = 0; id < previous.size(); ++id) {
    auto& ranges = grants.at(previous[id]).ranges;
    if (!ranges.empty() && ranges.back().end == id) {
      ++ranges.back().end;
    } else {
      ranges.push_back({id, id + 1});
    }
  }
  return grants;
}

}  // namespace kdsched::scheduling
