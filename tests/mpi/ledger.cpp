#include "mpi/ledger.hpp"

#include "io/result_file.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace kdsched::testing {

std::string spin_job(std::uint64_t begin, std::uint64_t end, const std::string& schedule, const std::string& extra) {
  return fmt::format(R"([job]
name = "spin"
output = "result.h5"
[partition]
range = [{}, {}]
[kernel]
name = "spin"
cost = "lognormal:400,1.5"
mode = "sleep"
seed = 5
{}
[schedule]
{}
)", begin, end, extra, schedule);
}

Ledger read_ledger(const std::filesystem::path& file) {
  const io::ResultFile result(file);
  Ledger ledger{result.read_partitions(), result.read_workers()};
  for (const auto& w : ledger.workers) {
    ledger.steals_sent += w.steals_sent;
    ledger.steals_received += w.steals_received;
    ledger.steal_attempts += w.steal_attempts;
  }
  for (const auto& p : ledger.partitions) ledger.stolen += p.stolen;
  return ledger;
}

void expect_each_id_once(const Ledger& ledger, std::uint64_t count) {
  ASSERT_EQ(ledger.partitions.size(), count);
  std::vector<int> seen(count, 0);
  for (const auto& p : ledger.partitions) {
    ASSERT_LT(p.id, count);
    ++seen[p.id];
  }
  for (std::uint64_t id = 0; id < count; ++id) EXPECT_EQ(seen[id], 1) << "partition " << id;
}

}  // namespace kdsched::testing
