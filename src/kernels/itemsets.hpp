#pragma once

#include "io/input_file.hpp"
#include "kernels/itemset_mining.hpp"
#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kdsched::kernels {

// Candidate itemsets (round 0) or their support counts (round 1).
struct ItemsetsPartial {
  std::vector<std::int64_t> items;    // candidates, concatenated
  std::vector<std::uint64_t> sizes;   // items per candidate
  std::vector<std::uint64_t> counts;  // support of each broadcast candidate

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & items & sizes & counts;
  }
};

// Exact frequent itemsets and association rules over CSR transactions, by the partition
// algorithm of Savasere, Omiecinski and Navathe (SON): round 0 mines each partition at the
// proportional support, round 1 counts every candidate over all transactions. The result is
// the same for any partitioning and any number of workers.
class ItemsetsKernel final : public TypedKernel<ItemsetsPartial> {
 public:
  explicit ItemsetsKernel(const JobPlan& plan);

  bool reads_input() const override { return false; }
  std::optional<Bytes> next_round() override;
  std::uint64_t round_limit() const override { return 2; }  // local mining, then exact counts
  void begin_round(std::uint32_t round, const Bytes& state) override;
  void finish(io::Group& result) override;

  std::uint64_t min_count() const { return min_count_; }

 protected:
  ItemsetsPartial map_partition(const Task& task, const io::Block& rows) override;
  void merge_partial(const Task& task, const ItemsetsPartial& partial) override;

 private:
  itemsets::Transactions read(const Task& task);
  void write_rules(io::Group& result, const std::vector<itemsets::Itemset>& frequent,
                   const std::vector<std::uint64_t>& support) const;

  std::string file_;
  std::string items_;
  std::string offsets_;
  std::uint64_t transactions_;
  std::uint64_t min_count_ = 1;
  std::uint64_t max_length_ = 0;
  std::optional<double> min_confidence_;
  std::optional<io::InputFile> input_;  // opened on first use, on the rank that maps

  bool counting_ = false;
  std::set<itemsets::Itemset, decltype(&itemsets::result_order)> union_{&itemsets::result_order};
  std::vector<itemsets::Itemset> candidates_;
  std::vector<std::uint64_t> counts_;
};

}  // namespace kdsched::kernels
