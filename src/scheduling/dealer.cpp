#include "scheduling/dealer.hpp"

#include <numeric>

namespace kdsched::scheduling {

Dealer::Dealer(std::uint64_t partitions, std::uint32_t workers, job::Chunking chunking, std::uint64_t chunk,
               DealOrder order)
    : partitions_(partitions),
      workers_(std::max<std::uint32_t>(1, workers)),
      chunking_(chunking),
      chunk_(std::max<std::uint64_t>(1, chunk)),
      order_(std::move(order)),
      next_{0, partitions},
      trapezoid_(rules::Trapezoid::make(partitions, workers_, chunk_)),
      done_(workers_, 0),
      busy_s_(workers_, 0.0),
      rates_(workers_, 0.0) {}

std::vector<Grant> Dealer::initial_grants() {
  std::vector<Grant> grants(workers_);
  for (std::uint32_t w = 0; w < workers_; ++w) grants[w].worker = w;

  if (chunking_ == job::Chunking::static_block) {
    const std::uint64_t block = rules::static_block(partitions_, workers_);
    for (auto& grant : grants) order_.append_ids(next_.split_front(block), grant.ranges);
  } else if (chunking_ == job::Chunking::cyclic) {
    for (std::uint64_t position = 0; position < partitions_; ++position) {
      order_.append_ids(next_.split_front(1), grants[position % workers_].ranges);
    }
  } else {
    for (auto& grant : grants) next_grant(grant.worker, grant.ranges);
  }
  return grants;
}

std::uint64_t Dealer::next_grant(std::uint32_t worker, std::vector<IndexRange>& ids) {
  if (next_.empty()) return 0;
  const IndexRange positions = next_.split_front(grant_size(worker));
  ++grants_made_;
  order_.append_ids(positions, ids);
  return positions.size();
}

void Dealer::completed(std::uint32_t worker, std::uint64_t partitions, double busy_seconds) {
  if (worker >= workers_ || partitions == 0) return;
  done_[worker] += partitions;
  busy_s_[worker] += busy_seconds;
  if (busy_s_[worker] <= 0) return;
  const double rate = static_cast<double>(done_[worker]) / busy_s_[worker];
  if (rates_[worker] > 0) {
    rate_sum_ -= rates_[worker];
  } else {
    ++rates_known_;
  }
  rates_[worker] = rate;
  rate_sum_ += rate;
}

double Dealer::relative_rate(std::uint32_t worker) const {
  if (rates_known_ == 0 || rates_[worker] <= 0) return 1.0;
  return rates_[worker] * rates_known_ / rate_sum_;
}

std::uint64_t Dealer::grant_size(std::uint32_t worker) {
  const std::uint64_t size = rule_size(worker);
  if (!order_.knows_costs() || chunking_ == job::Chunking::fixed || next_.empty()) return size;
  // Dealt longest first, partitions differ in cost by design: a grant takes `size` partitions'
  // worth of mean cost, so the first grants hold few long partitions and the last many short
  // ones. The rules that look at the remaining partitions take the remaining mean; trapezoid's
  // schedule is fixed at the start, in units of the mean over all partitions.
  const IndexRange base = chunking_ == job::Chunking::trapezoid ? IndexRange{0, partitions_} : next_;
  const double mean = order_.cost(base) / static_cast<double>(base.size());
  if (!(mean > 0)) return size;  // nothing known to cost anything: count partitions
  return std::max(chunk_, order_.count_for_cost(next_, static_cast<double>(size) * mean));
}

std::uint64_t Dealer::rule_size(std::uint32_t worker) {
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

std::vector<Grant> affinity_grants(const std::vector<std::uint32_t>& previous, std::uint32_t workers,
                                   const std::vector<bool>& done) {
  std::vector<Grant> grants(workers);
  for (std::uint32_t w = 0; w < workers; ++w) grants[w].worker = w;
  for (std::uint64_t id = 0; id < previous.size(); ++id) {
    if (done[id]) continue;
    auto& ranges = grants[previous[id] % workers].ranges;
    if (!ranges.empty() && ranges.back().end == id) {
      ++ranges.back().end;
    } else {
      ranges.push_back({id, id + 1});
    }
  }
  return grants;
}

}  // namespace kdsched::scheduling
