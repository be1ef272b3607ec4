#include "kernels/itemset_mining.hpp"

#include <algorithm>
#include <map>

namespace kdsched::kernels::itemsets {
namespace {

using TidList = std::vector<std::uint32_t>;

TidList intersect(const TidList& a, const TidList& b) {
  TidList out;
  out.reserve(std::min(a.size(), b.size()));
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// Transaction ids per item, for the items that occur at least min_count times.
std::vector<std::pair<Item, TidList>> vertical(const Transactions& t, std::uint64_t min_count) {
  std::map<Item, TidList> lists;
  for (std::uint64_t tid = 0; tid < t.size(); ++tid) {
    for (std::uint64_t i = t.offsets[tid]; i < t.offsets[tid + 1]; ++i) lists[t.items[i]].push_back(static_cast<std::uint32_t>(tid));
  }
  std::vector<std::pair<Item, TidList>> frequent;
  for (auto& [item, tids] : lists) {
    if (tids.size() >= min_count) frequent.emplace_back(item, std::move(tids));
  }
  return frequent;
}

void extend(const Itemset& prefix, const std::vector<std::pair<Item, TidList>>& tail, std::uint64_t min_count,
            std::uint64_t max_length, std::vector<Itemset>& out) {
  for (std::size_t i = 0; i < tail.size(); ++i) {
    Itemset itemset = prefix;
    itemset.push_back(tail[i].first);
    out.push_back(itemset);
    if (max_length != 0 && itemset.size() >= max_length) continue;
    std::vector<std::pair<Item, TidList>> next;
    for (std::size_t j = i + 1; j < tail.size(); ++j) {
      TidList tids = intersect(tail[i].second, tail[j].second);
      if (tids.size() >= min_count) next.emplace_back(tail[j].first, std::move(tids));
    }
    if (!next.empty()) extend(itemset, next, min_count, max_length, out);
  }
}

}  // namespace

Transactions Transactions::from_csr(const std::vector<Item>& items, const std::vector<std::int64_t>& offsets) {
  Transactions t;
  t.offsets.reserve(offsets.size());
  const std::int64_t base = offsets.empty() ? 0 : offsets.front();
  for (std::size_t row = 0; row + 1 < offsets.size(); ++row) {
    const auto begin = items.begin() + (offsets[row] - base);
    const auto end = items.begin() + (offsets[row + 1] - base);
    const std::size_t start = t.items.size();
    t.items.insert(t.items.end(), begin, end);
    std::sort(t.items.begin() + static_cast<std::ptrdiff_t>(start), t.items.end());
    t.items.erase(std::unique(t.items.begin() + static_cast<std::ptrdiff_t>(start), t.items.end()), t.items.end());
    t.offsets.push_back(t.items.size());
  }
  return t;
}

std::vector<Itemset> frequent_itemsets(const Transactions& transactions, std::uint64_t min_count,
                                       std::uint64_t max_length) {
  std::vector<Itemset> out;
  if (transactions.size() == 0 || min_count > transactions.size()) return out;
  extend({}, vertical(transactions, std::max<std::uint64_t>(min_count, 1)), std::max<std::uint64_t>(min_count, 1),
         max_length, out);
  return out;
}

std::vector<std::uint64_t> count_support(const Transactions& transactions, const std::vector<Itemset>& candidates) {
  const auto lists = vertical(transactions, 1);
  std::map<Item, const TidList*> by_item;
  for (const auto& [item, tids] : lists) by_item.emplace(item, &tids);
  std::vector<std::uint64_t> counts(candidates.size(), 0);
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    TidList tids;
    bool first = true;
    for (const Item item : candidates[c]) {
      const auto found = by_item.find(item);
      if (found == by_item.end()) {
        tids.clear();
        break;
      }
      tids = first ? *found->second : intersect(tids, *found->second);
      first = false;
      if (tids.empty()) break;
    }
    counts[c] = candidates[c].empty() ? transactions.size() : tids.size();
  }
  return counts;
}

bool result_order(const Itemset& a, const Itemset& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace kdsched::kernels::itemsets
