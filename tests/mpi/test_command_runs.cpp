#include "io/result_file.hpp"
#include "mpi/harness.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace kdsched::testing {
namespace {

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string command_job(const std::string& input_and_partition, const std::string& kernel_lines) {
  return "[job]\nname = \"cmd\"\noutput = \"result.h5\"\n" + input_and_partition + "[kernel]\nname = \"command\"\n" +
         kernel_lines;
}

class CommandRun : public EndToEnd, public ::testing::WithParamInterface<int> {};

TEST_P(CommandRun, ExitCodesLogsAndPlaceholders) {
  // Partition i prints its range and exits with i % 3: partitions 1, 2, 4 and 5 fail.
  write_text("job.toml", command_job("[partition]\nrange = [10, 16]\ncount = 6\n",
                                     "argv = [\"sh\", \"-c\", \"echo $1-$2 {job}; echo oops >&2; exit $(($3 % 3))\", "
                                     "\"sh\", \"{begin}\", \"{end}\", \"{partition}\"]\n"));
  const Completed run = this->run(GetParam(), {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  ASSERT_EQ(run.error_lines().size(), 1u) << run.err;
  EXPECT_NE(run.error_lines()[0].find("4 of 6 partitions failed; the first: partition 1"), std::string::npos)
      << run.error_lines()[0];
  EXPECT_NE(run.error_lines()[0].find("exited with code 1"), std::string::npos);

  const io::ResultFile result(path("result.h5"));
  EXPECT_EQ(std::get<std::string>(result.attributes("/").at("status")), "partial");
  EXPECT_EQ(result.read_i64("/result/exit_codes"), (std::vector<std::int64_t>{0, 1, 2, 0, 1, 2}));
  for (const double seconds : result.read_f64("/result/duration_s")) EXPECT_GT(seconds, 0.0);
  for (int i = 0; i < 6; ++i) {
    const auto logs = path(fmt::format("result.h5.logs/partition-{:06}", i));
    EXPECT_EQ(slurp(logs.string() + ".out"), fmt::format("{}-{} cmd\n", 10 + i, 11 + i));
    EXPECT_EQ(slurp(logs.string() + ".err"), "oops\n");
  }
}

TEST_P(CommandRun, HostileFileNamesArriveAsOneArgumentEach) {
  std::filesystem::create_directories(path("inputs"));
  const std::vector<std::string> names{"plain.dat", "with space.dat", "it's.dat", "semi;colon.dat", "$(echo no).dat"};
  for (const auto& name : names) write_text("inputs/" + name, name);
  // The program checks it got exactly one argument and copies the file next to it.
  write_text("job.toml", command_job("[input]\nfiles = \"inputs/*.dat\"\n",
                                     "argv = [\"sh\", \"-c\", \"test $# -eq 1 && cp \\\"$1\\\" \\\"$1.seen\\\"\", "
                                     "\"sh\", \"{file}\"]\n"));
  const Completed run = this->run(GetParam(), {"run", "job.toml", "--progress", "off"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const auto& name : names) EXPECT_EQ(slurp(path("inputs/" + name + ".seen")), name) << name;
  EXPECT_EQ(io::ResultFile(path("result.h5")).read_i64("/result/exit_codes"), std::vector<std::int64_t>(5, 0));
  EXPECT_FALSE(std::filesystem::exists(path("no.dat.seen")));
}

INSTANTIATE_TEST_SUITE_P(Ranks, CommandRun, ::testing::Values(0, 2, 4), [](const auto& info) {
  return info.param == 0 ? std::string("singleton") : fmt::format("n{}", info.param);
});

// Every partition fails its first attempt (exit 3) and leaves a marker naming the rank that ran
// it; the retry finds the marker and succeeds. Retries go to another worker when there is one.
class Retries : public EndToEnd, public ::testing::WithParamInterface<int> {};

TEST_P(Retries, AFirstFailedAttemptIsRetriedElsewhereAndCounted) {
  const int ranks = GetParam();
  write_text("job.toml", command_job("[partition]\nrange = [0, 8]\ncount = 8\n",
                                     "argv = [\"sh\", \"-c\", \"if [ -e tried-$1 ]; then exit 0; fi; "
                                     "echo $OMPI_COMM_WORLD_RANK 0 > tried-$1; exit 3\", \"sh\", \"{partition}\"]\n"));
  const Completed run = this->run(ranks, {"run", "job.toml", "--progress", "off"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const io::ResultFile result(path("result.h5"));
  EXPECT_EQ(std::get<std::string>(result.attributes("/").at("status")), "complete");
  EXPECT_EQ(result.read_i64("/result/exit_codes"), std::vector<std::int64_t>(8, 0));
  const auto records = result.read_partitions();
  ASSERT_EQ(records.size(), 8u);
  for (const auto& record : records) {
    EXPECT_EQ(record.attempts, 2) << "partition " << record.id;
    EXPECT_EQ(record.status, 0);
    const int failed_on = std::stoi(read_text(path(fmt::format("tried-{}", record.id))));
    if (ranks > 2) EXPECT_NE(record.rank, failed_on) << "partition " << record.id << " was retried where it failed";
  }
}

INSTANTIATE_TEST_SUITE_P(Ranks, Retries, ::testing::Values(0, 2, 4), [](const auto& info) {
  return info.param == 0 ? std::string("singleton") : fmt::format("n{}", info.param);
});

TEST_F(EndToEnd, OnlyAPartitionWhoseEveryAttemptFailedFailsTheRun) {
  write_text("job.toml", command_job("[partition]\nrange = [0, 4]\ncount = 4\n",
                                     "argv = [\"sh\", \"-c\", \"echo x >> attempts-$1; test $1 != 2\", \"sh\", \"{partition}\"]\n"
                                     "[faults]\nretries = 3\n"));
  const Completed run = this->run(3, {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("1 of 4 partitions failed; the first: partition 2"), std::string::npos) << run.err;
  const auto records = io::ResultFile(path("result.h5")).read_partitions();
  ASSERT_EQ(records.size(), 4u);
  for (const auto& record : records) {
    EXPECT_EQ(record.attempts, record.id == 2 ? 4 : 1) << "partition " << record.id;
    EXPECT_EQ(record.status, record.id == 2 ? 1 : 0);
  }
  EXPECT_EQ(read_text(path("attempts-2")), "x\nx\nx\nx\n");
  EXPECT_EQ(read_text(path("attempts-1")), "x\n");
}

using CommandCases = EndToEnd;

TEST_F(CommandCases, ATimeoutKillsTheProgramAndFailsThePartition) {
  write_text("job.toml", command_job("[partition]\nrange = [0, 2]\n",
                                     "argv = [\"sh\", \"-c\", \"if [ $1 = 1 ]; then sleep 30; fi\", \"sh\", \"{partition}\"]\n"
                                     "timeout = 0.5\n"));
  const auto start = std::chrono::steady_clock::now();
  const Completed run = this->run(2, {"run", "job.toml", "--progress", "off"});
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 20.0);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("timed out after 0.5 s"), std::string::npos) << run.err;
  EXPECT_EQ(io::ResultFile(path("result.h5")).read_i64("/result/exit_codes"), (std::vector<std::int64_t>{0, 124}));
}

TEST_F(CommandCases, AMissingProgramIsAJobError) {
  write_text("job.toml", command_job("[partition]\nrange = [0, 2]\n", "argv = [\"no-such-program-kdsched\", \"{file}\"]\n"));
  const Completed run = this->run(2, {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  ASSERT_EQ(run.error_lines().size(), 1u) << run.err;
  EXPECT_NE(run.error_lines()[0].find("job.toml:8:8: [kernel] program 'no-such-program-kdsched' not found"),
            std::string::npos)
      << run.error_lines()[0];
  EXPECT_FALSE(std::filesystem::exists(path("result.h5")));
}

TEST_F(CommandCases, UnknownPlaceholdersAreRejected) {
  write_text("job.toml", command_job("[partition]\nrange = [0, 2]\n", "argv = [\"echo\", \"{fiel}\"]\n"));
  const Completed run = this->run(0, {"validate", "job.toml"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("unknown placeholder '{fiel}'"), std::string::npos) << run.err;
}

TEST_F(CommandCases, DoubledBracesAreLiteralBraces) {
  write_text("data.txt", "a 1\nb 2\n");
  // awk receives {print $1 "-{0}"}: the doubled braces around a placeholder.
  write_text("job.toml", command_job("[input]\nfiles = [\"data.txt\"]\n",
                                     "argv = [\"awk\", '{{print $1 \"-{{{partition}}}\"}}', \"{file}\"]\n"));
  const Completed run = this->run(2, {"run", "job.toml", "--progress", "off"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(slurp(path("result.h5.logs/partition-000000.out")), "a-{0}\nb-{0}\n");
}

TEST_F(CommandCases, LoneBracesAreJobErrors) {
  for (const auto& [arg, message] : std::vector<std::pair<std::string, std::string>>{
           {"{print $1}", "job.toml:8:8: [kernel] unknown placeholder '{print $1}'"},
           {"a}b", "job.toml:8:8: [kernel] a literal '}' is written '}}'"},
           {"{file", "job.toml:8:8: [kernel] a literal '{' is written '{{'"}}) {
    write_text("job.toml", command_job("[partition]\nrange = [0, 2]\n", "argv = [\"echo\", '" + arg + "']\n"));
    const Completed run = this->run(0, {"validate", "job.toml"});
    EXPECT_EQ(run.exit_code, 2) << arg;
    ASSERT_EQ(run.error_lines().size(), 1u) << run.err;
    EXPECT_NE(run.error_lines()[0].find(message), std::string::npos) << run.error_lines()[0];
  }
}

TEST_F(CommandCases, AProgramThatIsADirectoryOrNotExecutableIsAJobError) {
  std::filesystem::create_directories(path("folder"));
  write_text("script.sh", "#!/bin/sh\nexit 0\n");
  std::filesystem::permissions(path("script.sh"), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  for (const auto& [program, problem] : std::vector<std::pair<std::string, std::string>>{
           {"./folder", "is a directory"}, {"./script.sh", "is not executable"}}) {
    write_text("job.toml", command_job("[partition]\nrange = [0, 2]\n", "argv = [\"" + program + "\"]\n"));
    const std::string message = "job.toml:8:8: [kernel] program '" + program + "' " + problem;
    for (const auto& [ranks, args] : std::vector<std::pair<int, std::vector<std::string>>>{
             {0, {"validate", "job.toml"}}, {2, {"run", "job.toml", "--progress", "off"}}}) {
      const Completed run = this->run(ranks, args);
      EXPECT_EQ(run.exit_code, 2) << args[0] << " " << program;
      ASSERT_EQ(run.error_lines().size(), 1u) << run.err;
      EXPECT_NE(run.error_lines()[0].find(message), std::string::npos) << run.error_lines()[0];
      EXPECT_FALSE(std::filesystem::exists(path("result.h5")));
    }
  }
}

}  // namespace
}  // namespace kdsched::testing
