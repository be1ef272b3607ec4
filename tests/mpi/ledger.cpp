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

std::string costs_job(const std::string& name, const std::string& kernel, const std::string& schedule) {
  return fmt::format(R"([job]
name = "{0}"
output = "{0}.h5"
[input]
file = "costs.h5"
dataset = "/costs"
[partition]
rows = 1
[kernel]
name = "spin"
{1}
mode = "sleep"
[schedule]
{2}
)", name, kernel, schedule);
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

Ledger ScheduleTest::run_once_each(int ranks, const std::string& job, std::uint64_t count) {
  write_text("job.toml", job);
  const Completed run = this->run(ranks, {"run", "job.toml", "--progress", "off", "--force"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  if (run.exit_code != 0) return {};
  Ledger ledger = read_ledger(path("result.h5"));
  expect_each_id_once(ledger, count);
  return ledger;
}

}  // namespace kdsched::testing
