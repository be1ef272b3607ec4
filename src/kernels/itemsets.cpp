#include "kernels/itemsets.hpp"

#include "common/error.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string_view>

namespace kdsched::kernels {
namespace {

constexpr std::string_view known_keys[] = {"min_support", "min_count", "max_length", "min_confidence"};
using itemsets::Itemset;

// ceil(fraction * n), tolerant of decimal fractions that binary floating point cannot hold
// exactly (0.3 * 10 must give 3, not 4).
std::uint64_t ceil_fraction(double fraction, std::uint64_t n) {
  const long double exact = static_cast<long double>(fraction) * static_cast<long double>(n);
  return static_cast<std::uint64_t>(std::ceil(exact - 1e-9L * std::max<long double>(1, exact)));
}

// CSR of itemsets: concatenated items and the size of each.
void flatten(const std::vector<Itemset>& sets, std::vector<std::int64_t>& items, std::vector<std::uint64_t>& sizes) {
  for (const auto& set : sets) {
    items.insert(items.end(), set.begin(), set.end());
    sizes.push_back(set.size());
  }
}

std::vector<Itemset> unflatten(const std::vector<std::int64_t>& items, const std::vector<std::uint64_t>& sizes) {
  std::vector<Itemset> sets;
  std::size_t at = 0;
  for (const auto size : sizes) {
    if (at + size > items.size()) throw RuntimeError("itemsets: malformed candidate list");
    sets.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(at), items.begin() + static_cast<std::ptrdiff_t>(at + size));
    at += size;
  }
  return sets;
}

// Items, offsets (u64, m + 1) of a list of itemsets, as the result file stores them.
void write_csr(io::Group& group, const std::string& prefix, const std::vector<Itemset>& sets) {
  std::vector<std::int64_t> items;
  std::vector<std::uint64_t> offsets{0};
  for (const auto& set : sets) {
    items.insert(items.end(), set.begin(), set.end());
    offsets.push_back(items.size());
  }
  group.write(prefix + "items", std::span<const std::int64_t>(items));
  group.write(prefix + "offsets", std::span<const std::uint64_t>(offsets));
}

}  // namespace

ItemsetsKernel::ItemsetsKernel(const JobPlan& plan) : transactions_(plan.partitions.rows().size()) {
  const job::Params& params = plan.spec.kernel_params;
  params.require_only(known_keys);
  if (!plan.transactions) {
    params.fail("name", "the itemsets kernel needs [input] items and offsets (CSR transactions)");
  }
  file_ = plan.spec.input->file.string();
  items_ = plan.spec.input->items;
  offsets_ = plan.spec.input->offsets;

  const auto support = params.find_double("min_support");
  const auto count = params.find_int("min_count");
  if (support.has_value() == count.has_value()) {
    params.fail(support ? "min_count" : "min_support", "give exactly one of min_support and min_count");
  }
  if (support) {
    if (!(*support > 0 && *support <= 1)) params.fail("min_support", "min_support must be in (0, 1]");
    min_count_ = std::max<std::uint64_t>(1, ceil_fraction(*support, transactions_));
  } else {
    min_count_ = static_cast<std::uint64_t>(params.get_int("min_count", 1, 1, std::numeric_limits<std::int64_t>::max()));
  }
  max_length_ = static_cast<std::uint64_t>(params.get_int("max_length", 0, 0, 1 << 20));
  if (const auto confidence = params.find_double("min_confidence")) {
    if (!(*confidence > 0 && *confidence <= 1)) params.fail("min_confidence", "min_confidence must be in (0, 1]");
    min_confidence_ = *confidence;
  }
}

itemsets::Transactions ItemsetsKernel::read(const Task& task) {
  if (!input_) input_.emplace(file_);
  const std::vector<std::int64_t> offsets = input_->read_i64(offsets_, task.rows.begin, task.rows.end + 1);
  if (offsets.front() < 0 || offsets.back() < offsets.front()) {
    throw IoError(fmt::format("{}: offsets of rows {}..{} are not increasing", offsets_, task.rows.begin, task.rows.end));
  }
  const std::vector<std::int64_t> items = input_->read_i64(items_, static_cast<std::uint64_t>(offsets.front()),
                                                           static_cast<std::uint64_t>(offsets.back()));
  return itemsets::Transactions::from_csr(items, offsets);
}

ItemsetsPartial ItemsetsKernel::map_partition(const Task& task, const io::Block& /*rows*/) {
  const itemsets::Transactions transactions = read(task);
  ItemsetsPartial partial;
  if (counting_) {
    partial.counts = itemsets::count_support(transactions, candidates_);
    return partial;
  }
  // SON: anything frequent overall reaches the proportional count in some partition, so mining
  // each partition at ceil(min_count * n_i / n) misses nothing.
  __extension__ using Wide = unsigned __int128;  // min_count * n_i can exceed 64 bits
  const auto local = static_cast<std::uint64_t>(
      (static_cast<Wide>(min_count_) * transactions.size() + transactions_ - 1) / std::max<std::uint64_t>(transactions_, 1));
  flatten(itemsets::frequent_itemsets(transactions, std::max<std::uint64_t>(local, 1), max_length_), partial.items,
          partial.sizes);
  return partial;
}

void ItemsetsKernel::merge_partial(const Task& /*task*/, const ItemsetsPartial& partial) {
  if (!counting_) {
    for (auto& set : unflatten(partial.items, partial.sizes)) union_.insert(std::move(set));
    return;
  }
  if (partial.counts.size() != counts_.size()) throw RuntimeError("itemsets: partial counts have the wrong size");
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += partial.counts[i];
}

std::optional<Bytes> ItemsetsKernel::next_round() {
  if (counting_) return std::nullopt;
  ItemsetsPartial state;
  flatten(std::vector<Itemset>(union_.begin(), union_.end()), state.items, state.sizes);
  union_.clear();
  return to_bytes(state);
}

void ItemsetsKernel::begin_round(std::uint32_t /*round*/, const Bytes& state) {
  const auto candidates = from_bytes<ItemsetsPartial>(state);
  candidates_ = unflatten(candidates.items, candidates.sizes);
  counts_.assign(candidates_.size(), 0);
  counting_ = true;
}

void ItemsetsKernel::finish(io::Group& result) {
  std::vector<Itemset> frequent;
  std::vector<std::uint64_t> support;
  for (std::size_t i = 0; i < candidates_.size(); ++i) {
    if (counts_[i] >= min_count_) {
      frequent.push_back(candidates_[i]);
      support.push_back(counts_[i]);
    }
  }
  result.set_attribute("min_count", min_count_);
  result.set_attribute("transactions", transactions_);
  io::Group sets = result.create_group("itemsets");
  write_csr(sets, "", frequent);
  sets.write("support", std::span<const std::uint64_t>(support));
  sets.set_attribute("count", std::uint64_t{frequent.size()});
  if (min_confidence_) write_rules(result, frequent, support);
}

void ItemsetsKernel::write_rules(io::Group& result, const std::vector<Itemset>& frequent,
                                 const std::vector<std::uint64_t>& support) const {
  std::map<Itemset, std::uint64_t> support_of;
  for (std::size_t i = 0; i < frequent.size(); ++i) support_of.emplace(frequent[i], support[i]);
  std::vector<Itemset> antecedents, consequents;
  std::vector<std::uint64_t> rule_support;
  std::vector<double> confidence, lift;
  const double n = static_cast<double>(transactions_);
  for (std::size_t i = 0; i < frequent.size(); ++i) {
    const Itemset& set = frequent[i];
    if (set.size() < 2 || set.size() > 63) continue;
    // Every non-empty proper subset as antecedent, shorter ones first, then lexicographic.
    std::vector<Itemset> sides;
    for (std::uint64_t mask = 1; mask + 1 < (std::uint64_t{1} << set.size()); ++mask) {
      Itemset antecedent;
      for (std::size_t b = 0; b < set.size(); ++b) {
        if (mask & (std::uint64_t{1} << b)) antecedent.push_back(set[b]);
      }
      sides.push_back(std::move(antecedent));
    }
    std::sort(sides.begin(), sides.end(), itemsets::result_order);
    for (const auto& antecedent : sides) {
      Itemset consequent;
      std::set_difference(set.begin(), set.end(), antecedent.begin(), antecedent.end(), std::back_inserter(consequent));
      const double conf = static_cast<double>(support[i]) / static_cast<double>(support_of.at(antecedent));
      if (conf < *min_confidence_) continue;
      antecedents.push_back(antecedent);
      consequents.push_back(consequent);
      rule_support.push_back(support[i]);
      confidence.push_back(conf);
      lift.push_back(conf / (static_cast<double>(support_of.at(consequent)) / n));
    }
  }
  io::Group rules = result.create_group("rules");
  write_csr(rules, "antecedent_", antecedents);
  write_csr(rules, "consequent_", consequents);
  rules.write("support", std::span<const std::uint64_t>(rule_support));
  rules.write("confidence", std::span<const double>(confidence));
  rules.write("lift", std::span<const double>(lift));
  rules.set_attribute("count", std::uint64_t{lift.size()});
}

}  // namespace kdsched::kernels
