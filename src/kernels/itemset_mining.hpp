#pragma once

#include <cstdint>
#include <vector>

// Frequent-itemset mining on an in-memory set of transactions, the building blocks of the
// itemsets kernel: local mining (Eclat) and exact support counting.
namespace kdsched::kernels::itemsets {

using Item = std::int64_t;
using Itemset = std::vector<Item>;  // ascending, no duplicates

// Transactions as sets: each one sorted and without duplicate items.
struct Transactions {
  std::vector<Item> items;
  std::vector<std::uint64_t> offsets{0};  // transaction t is items[offsets[t], offsets[t + 1])

  std::uint64_t size() const { return offsets.size() - 1; }

  // CSR rows as stored (any order, duplicates allowed) normalised to sets.
  static Transactions from_csr(const std::vector<Item>& items, const std::vector<std::int64_t>& offsets);
};

// Every itemset (up to max_length items, 0 = unlimited) contained in at least min_count
// transactions, by depth-first intersection of transaction-id lists (Eclat).
std::vector<Itemset> frequent_itemsets(const Transactions& transactions, std::uint64_t min_count,
                                       std::uint64_t max_length);

// How many transactions contain each candidate.
std::vector<std::uint64_t> count_support(const Transactions& transactions, const std::vector<Itemset>& candidates);

// Shorter itemsets first, then lexicographic: the order of the result file.
bool result_order(const Itemset& a, const Itemset& b);

}  // namespace kdsched::kernels::itemsets
