#include "io/output_file.hpp"
#include "io/result_file.hpp"
#include "mpi/harness.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace kdsched::testing {
namespace {

using Itemset = std::vector<std::int64_t>;

// A small random database: few items, so that brute force over all 2^items subsets is cheap.
std::vector<std::set<std::int64_t>> make_database(std::uint64_t transactions, int items, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::set<std::int64_t>> db(transactions);
  for (auto& t : db) {
    for (int item = 0; item < items; ++item) {
      // Skewed frequencies so that itemsets of several lengths are frequent.
      if (rng() % 100 < static_cast<unsigned>(70 - 6 * item)) t.insert(item * 10 + 3);
    }
  }
  return db;
}

void write_csr(const std::filesystem::path& file, const std::vector<std::set<std::int64_t>>& db) {
  std::vector<double> items, offsets{0};
  for (const auto& t : db) {
    // Stored unsorted and with a duplicate: the kernel must treat transactions as sets.
    std::vector<double> row(t.rbegin(), t.rend());
    if (!row.empty()) row.push_back(row.front());
    items.insert(items.end(), row.begin(), row.end());
    offsets.push_back(static_cast<double>(items.size()));
  }
  io::OutputFile out(file, true);
  io::Group group = out.root().create_group("transactions");
  group.create_dataset("items", io::ElementType::i64, items.size(), 0, 0).write_rows(0, items);
  group.create_dataset("offsets", io::ElementType::i64, offsets.size(), 0, 0).write_rows(0, offsets);
  out.commit();
}

// Every itemset over the items that occur, counted directly.
std::map<Itemset, std::uint64_t> brute_force(const std::vector<std::set<std::int64_t>>& db, std::uint64_t min_count,
                                             std::uint64_t max_length) {
  std::set<std::int64_t> universe;
  for (const auto& t : db) universe.insert(t.begin(), t.end());
  const std::vector<std::int64_t> items(universe.begin(), universe.end());
  std::map<Itemset, std::uint64_t> frequent;
  for (std::uint64_t mask = 1; mask < (std::uint64_t{1} << items.size()); ++mask) {
    Itemset set;
    for (std::size_t b = 0; b < items.size(); ++b) {
      if (mask & (std::uint64_t{1} << b)) set.push_back(items[b]);
    }
    if (max_length && set.size() > max_length) continue;
    std::uint64_t count = 0;
    for (const auto& t : db) count += std::includes(t.begin(), t.end(), set.begin(), set.end());
    if (count >= min_count) frequent[set] = count;
  }
  return frequent;
}

std::vector<Itemset> read_sets(const io::ResultFile& result, const std::string& items, const std::string& offsets) {
  const auto flat = result.read_i64(items);
  const auto bounds = result.read_u64(offsets);
  std::vector<Itemset> sets;
  for (std::size_t i = 0; i + 1 < bounds.size(); ++i) sets.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(bounds[i]), flat.begin() + static_cast<std::ptrdiff_t>(bounds[i + 1]));
  return sets;
}

class ItemsetsRun : public EndToEnd, public ::testing::WithParamInterface<std::tuple<int, int>> {};

TEST_P(ItemsetsRun, EqualsBruteForceForAnyPartitioning) {
  const auto [ranks, partitions] = GetParam();
  const auto db = make_database(300, 9, 5);
  write_csr(path("db.h5"), db);
  const std::uint64_t min_count = 30, max_length = 4;
  write_text("job.toml", fmt::format("[job]\nname = \"fi\"\noutput = \"fi.h5\"\n[input]\nfile = \"db.h5\"\n"
                                     "items = \"/transactions/items\"\noffsets = \"/transactions/offsets\"\n"
                                     "[partition]\ncount = {}\n[kernel]\nname = \"itemsets\"\nmin_count = {}\n"
                                     "max_length = {}\nmin_confidence = 0.6\n",
                                     partitions, min_count, max_length));
  const Completed run = this->run(ranks, {"run", "job.toml", "--progress", "off"});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  const auto expected = brute_force(db, min_count, max_length);
  ASSERT_GT(expected.size(), 50u) << "the database should make many itemsets frequent";
  ASSERT_TRUE(std::any_of(expected.begin(), expected.end(), [](const auto& e) { return e.first.size() == 4; }));
  const io::ResultFile result(path("fi.h5"));
  const auto sets = read_sets(result, "/result/itemsets/items", "/result/itemsets/offsets");
  const auto support = result.read_u64("/result/itemsets/support");
  ASSERT_EQ(sets.size(), expected.size());
  ASSERT_EQ(support.size(), sets.size());
  for (std::size_t i = 0; i < sets.size(); ++i) {
    ASSERT_TRUE(expected.contains(sets[i])) << "itemset " << i << " is not frequent";
    EXPECT_EQ(support[i], expected.at(sets[i]));
    if (i > 0) {
      const bool ordered = sets[i - 1].size() < sets[i].size() || (sets[i - 1].size() == sets[i].size() && sets[i - 1] < sets[i]);
      EXPECT_TRUE(ordered) << "itemsets " << i - 1 << " and " << i << " are out of order";
    }
  }

  // Rules recomputed from the brute-force supports.
  const auto antecedents = read_sets(result, "/result/rules/antecedent_items", "/result/rules/antecedent_offsets");
  const auto consequents = read_sets(result, "/result/rules/consequent_items", "/result/rules/consequent_offsets");
  const auto confidence = result.read_f64("/result/rules/confidence");
  const auto lift = result.read_f64("/result/rules/lift");
  std::size_t expected_rules = 0;
  for (const auto& [set, count] : expected) {
    if (set.size() < 2) continue;
    for (std::uint64_t mask = 1; mask + 1 < (std::uint64_t{1} << set.size()); ++mask) {
      Itemset a;
      for (std::size_t b = 0; b < set.size(); ++b) {
        if (mask & (std::uint64_t{1} << b)) a.push_back(set[b]);
      }
      expected_rules += static_cast<double>(count) / static_cast<double>(expected.at(a)) >= 0.6;
    }
  }
  ASSERT_EQ(antecedents.size(), expected_rules);
  for (std::size_t r = 0; r < antecedents.size(); ++r) {
    Itemset whole = antecedents[r];
    whole.insert(whole.end(), consequents[r].begin(), consequents[r].end());
    std::sort(whole.begin(), whole.end());
    const double conf = static_cast<double>(expected.at(whole)) / static_cast<double>(expected.at(antecedents[r]));
    EXPECT_DOUBLE_EQ(confidence[r], conf);
    EXPECT_GE(confidence[r], 0.6);
    EXPECT_DOUBLE_EQ(lift[r], conf / (static_cast<double>(expected.at(consequents[r])) / 300.0));
  }
}

INSTANTIATE_TEST_SUITE_P(RanksAndPartitions, ItemsetsRun,
                         ::testing::Combine(::testing::Values(0, 2, 4), ::testing::Values(1, 7, 40)),
                         [](const auto& info) {
                           return fmt::format("n{}_p{}", std::get<0>(info.param), std::get<1>(info.param));
                         });

using ItemsetsCases = EndToEnd;

TEST_F(ItemsetsCases, SupportAtExactlyTheThresholdIsFrequent) {
  // 40 transactions; item 1 in exactly 10 of them, item 2 in 9: min_support 0.25 -> 10.
  std::vector<std::set<std::int64_t>> db(40);
  for (int t = 0; t < 10; ++t) db[t].insert(1);
  for (int t = 10; t < 19; ++t) db[t].insert(2);
  write_csr(path("db.h5"), db);
  write_text("job.toml", "[job]\nname = \"t\"\noutput = \"t.h5\"\n[input]\nfile = \"db.h5\"\n"
                         "items = \"/transactions/items\"\noffsets = \"/transactions/offsets\"\n"
                         "[partition]\ncount = 4\n[kernel]\nname = \"itemsets\"\nmin_support = 0.25\n");
  const Completed run = this->run(0, {"run", "job.toml"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const io::ResultFile result(path("t.h5"));
  EXPECT_EQ(result.read_i64("/result/itemsets/items"), std::vector<std::int64_t>{1});
  EXPECT_EQ(result.read_u64("/result/itemsets/support"), std::vector<std::uint64_t>{10});
}

}  // namespace
}  // namespace kdsched::testing
