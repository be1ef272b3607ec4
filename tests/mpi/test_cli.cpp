#include "io/result_file.hpp"
#include "mpi/harness.hpp"

#include <fmt/format.h>

namespace kdsched::testing {
namespace {

using Cli = EndToEnd;

TEST_F(Cli, EverySubcommandHasHelp) {
  for (const std::vector<std::string> args : {std::vector<std::string>{"--help"},
                                              {"run", "--help"},
                                              {"validate", "--help"},
                                              {"gen", "--help"},
                                              {"gen", "blobs", "--help"},
                                              {"gen", "transactions", "--help"},
                                              {"import", "fimi", "--help"},
                                              {"report", "--help"},
                                              {"simulate", "--help"}}) {
    const Completed help = run(0, args);
    EXPECT_EQ(help.exit_code, 0) << args.front();
    EXPECT_NE(help.out.find("Usage: kdsched"), std::string::npos) << help.out;
  }
  const Completed version = run(0, {"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_FALSE(version.out.empty());
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run(0, {}).exit_code, 2);
  EXPECT_EQ(run(0, {"run"}).exit_code, 2);
  EXPECT_EQ(run(0, {"gen", "blobs", "--rows", "10"}).exit_code, 2);
  const Completed bad = run(0, {"run", "job.toml", "--progress", "sometimes"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.error_lines().size(), 1u) << bad.err;
}

TEST_F(Cli, GeneratedBlobsAreDeterministicForASeed) {
  for (const char* name : {"a.h5", "b.h5", "c.h5"}) {
    const std::string seed = std::string(name) == "c.h5" ? "2" : "1";
    const Completed gen = run(0, {"gen", "blobs", "--rows", "1000", "--cols", "3", "--centers", "4", "--seed", seed,
                                  "--chunk-rows", "128", "--out", name});
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
  }
  const io::ResultFile a(path("a.h5")), b(path("b.h5")), c(path("c.h5"));
  std::vector<std::uint64_t> dims;
  const auto points = a.read_f64("/points", &dims);
  EXPECT_EQ(dims, (std::vector<std::uint64_t>{1000, 3}));
  EXPECT_EQ(points, b.read_f64("/points"));
  EXPECT_NE(points, c.read_f64("/points"));
  // Every point lies near the center of its label.
  const auto centers = a.read_f64("/centers");
  const auto labels = a.read_i64("/labels");
  for (std::size_t i = 0; i < 1000; ++i) {
    for (std::size_t d = 0; d < 3; ++d) {
      EXPECT_LT(std::abs(points[i * 3 + d] - centers[static_cast<std::size_t>(labels[i]) * 3 + d]), 8.0);
    }
  }
  EXPECT_EQ(run(0, {"gen", "blobs", "--rows", "10", "--cols", "1", "--centers", "1", "--out", "a.h5"}).exit_code, 3)
      << "an existing file is not overwritten without --force";
}

TEST_F(Cli, TransactionsAreGeneratedDeterministically) {
  for (const char* name : {"a.h5", "b.h5"}) {
    ASSERT_EQ(run(0, {"gen", "transactions", "--transactions", "500", "--items", "50", "--avg-length", "6",
                      "--patterns", "10", "--seed", "3", "--out", name})
                  .exit_code,
              0);
  }
  const io::ResultFile a(path("a.h5")), b(path("b.h5"));
  const auto items = a.read_i64("/transactions/items");
  const auto offsets = a.read_i64("/transactions/offsets");
  EXPECT_EQ(items, b.read_i64("/transactions/items"));
  ASSERT_EQ(offsets.size(), 501u);
  EXPECT_EQ(offsets.front(), 0);
  EXPECT_EQ(offsets.back(), static_cast<std::int64_t>(items.size()));
  // Sets of valid item ids, about avg-length long.
  for (std::size_t t = 0; t + 1 < offsets.size(); ++t) {
    EXPECT_GE(offsets[t + 1], offsets[t] + 1);
    for (auto i = offsets[t]; i < offsets[t + 1]; ++i) {
      EXPECT_GE(items[static_cast<std::size_t>(i)], 0);
      EXPECT_LT(items[static_cast<std::size_t>(i)], 50);
      if (i > offsets[t]) EXPECT_LT(items[static_cast<std::size_t>(i - 1)], items[static_cast<std::size_t>(i)]);
    }
  }
  const double average = static_cast<double>(items.size()) / 500.0;
  EXPECT_GT(average, 4.0);
  EXPECT_LT(average, 8.0);
}

TEST_F(Cli, FimiImportKeepsTransactionsAndNamesBadLines) {
  write_text("good.dat", "1 2 3\n7\n\n 4  5 \n");
  ASSERT_EQ(run(0, {"import", "fimi", "good.dat", "--out", "good.h5"}).exit_code, 0);
  const io::ResultFile good(path("good.h5"));
  EXPECT_EQ(good.read_i64("/transactions/items"), (std::vector<std::int64_t>{1, 2, 3, 7, 4, 5}));
  EXPECT_EQ(good.read_i64("/transactions/offsets"), (std::vector<std::int64_t>{0, 3, 4, 4, 6}));

  write_text("bad.dat", "1 2\n3 -4\n");
  const Completed bad = run(0, {"import", "fimi", "bad.dat", "--out", "bad.h5"});
  EXPECT_EQ(bad.exit_code, 3);
  ASSERT_EQ(bad.error_lines().size(), 1u) << bad.err;
  EXPECT_NE(bad.error_lines()[0].find("bad.dat:2: '-4' is not an item id"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(path("bad.h5")));
}

TEST_F(Cli, ValidatePrintsThePlanAndRunsNothing) {
  ASSERT_EQ(run(0, {"gen", "blobs", "--rows", "5000", "--cols", "2", "--centers", "2", "--chunk-rows", "1000",
                    "--out", "blobs.h5"})
                .exit_code,
            0);
  write_text("job.toml", "[job]\nname = \"v\"\noutput = \"out/v.h5\"\n[input]\nfile = \"blobs.h5\"\n"
                         "dataset = \"/points\"\n[partition]\nrows = 1500\n[kernel]\nname = \"stats\"\n");
  const Completed ok = run(0, {"validate", "job.toml"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("5000 rows x 2 cols, float64, chunks of 1000 rows"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("partitions  3 (1500 rows per partition requested; 2000 rows to align"), std::string::npos)
      << ok.out;
  EXPECT_FALSE(std::filesystem::exists(path("out")));

  write_text("bad.toml", "[job]\nname = \"v\"\noutput = \"v.h5\"\n[input]\nfile = \"missing.h5\"\n"
                         "dataset = \"/points\"\n[kernel]\nname = \"stats\"\n");
  const Completed bad = run(0, {"validate", "job.toml", "bad.toml"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.out.find("job.toml: ok"), std::string::npos);
  ASSERT_EQ(bad.error_lines().size(), 1u) << bad.err;
  EXPECT_NE(bad.error_lines()[0].find("missing.h5"), std::string::npos);
}

TEST_F(Cli, ReportSummarizesARun) {
  write_text("job.toml", "[job]\nname = \"r\"\noutput = \"r.h5\"\n[partition]\nrange = [0, 40]\n"
                         "[kernel]\nname = \"spin\"\ncost = \"const:1000\"\nmode = \"sleep\"\n");
  ASSERT_EQ(run(4, {"run", "job.toml", "--progress", "off"}).exit_code, 0);

  const Completed text = run(0, {"report", "r.h5"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("job         r (kernel spin), status complete"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("partitions  40 (0 failed"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("3 workers x makespan"), std::string::npos) << text.out;

  const Completed json = run(0, {"report", "r.h5", "--json"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_NE(json.out.find("\"partitions\": 40,"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"status\": \"complete\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"efficiency\": 0."), std::string::npos) << json.out;

  const Completed missing = run(0, {"report", "nothing.h5"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_EQ(missing.error_lines().size(), 1u);
}

TEST_F(Cli, SimulatePredictsAScheduleAndRefusesBadInput) {
  // Four partitions of 1 s in two static blocks, with free messages: a makespan of exactly 2 s.
  const Completed exact = run(0, {"simulate", "--workers", "2", "--partitions", "4", "--cost", "const:1000000",
                                  "--chunking", "static", "--stealing", "off", "--latency-us", "0", "--overhead-us",
                                  "0", "--json"});
  ASSERT_EQ(exact.exit_code, 0) << exact.err;
  EXPECT_NE(exact.out.find("\"makespan_s\": 2,"), std::string::npos) << exact.out;
  EXPECT_NE(exact.out.find("\"efficiency\": 1,"), std::string::npos) << exact.out;
  EXPECT_NE(exact.out.find("\"lost_workers\": 0,"), std::string::npos) << exact.out;
  EXPECT_NE(exact.out.find("\"complete\": true"), std::string::npos) << exact.out;
  // Faults: rank 1 dies at 0.55 s with 0.5 s of its 1 s partition done (see the simulator's tests).
  const Completed lost = run(0, {"simulate", "--workers", "2", "--partitions", "2", "--cost", "const:1000000",
                                 "--chunking", "fixed", "--stealing", "off", "--latency-us", "0", "--overhead-us", "0",
                                 "--fail", "1@0.55", "--worker-timeout", "1", "--no-speculation"});
  ASSERT_EQ(lost.exit_code, 0) << lost.err;
  EXPECT_NE(lost.out.find("faults      1 workers lost, 1 partitions dealt again, 0 copies; 1 attempts run again, "
                          "0.550000 worker seconds wasted\n"),
            std::string::npos)
      << lost.out;
  for (const auto& [option, value, message] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"--fail", "3@1", "--fail: \"3\" is not a worker's rank (1 to 2)"},
           {"--fail", "1", "--fail: \"1\" is not of the form RANK@SECONDS"},
           {"--stop", "1@2", "--stop: \"2\" is not of the form RANK@SECONDS+SECONDS"},
           {"--stop", "1@x+1", "--stop: \"x\" is not a time in seconds"},
           {"--slow", "2:0.5", "--slow: \"0.5\" is not a factor of at least 1"}}) {
    const Completed bad = run(0, {"simulate", "--workers", "2", "--partitions", "2", "--cost", "const:1", option, value});
    EXPECT_EQ(bad.exit_code, 2) << option << " " << value;
    EXPECT_NE(bad.err.find(message), std::string::npos) << bad.err;
  }

  write_text("job.toml", "[job]\nname = \"m\"\noutput = \"m.h5\"\n[partition]\nrange = [0, 30]\n"
                         "[kernel]\nname = \"spin\"\ncost = \"const:100\"\nmode = \"sleep\"\n");
  ASSERT_EQ(run(0, {"run", "job.toml", "--progress", "off"}).exit_code, 0);
  const Completed measured = run(0, {"simulate", "--workers", "3", "--costs-from", "m.h5"});
  ASSERT_EQ(measured.exit_code, 0) << measured.err;
  EXPECT_NE(measured.out.find("simulated   3 workers, 30 partitions (measured in m.h5)"), std::string::npos)
      << measured.out;

  for (const std::vector<std::string> args : {std::vector<std::string>{"simulate", "--workers", "2"},
                                              {"simulate", "--workers", "2", "--partitions", "3"},
                                              {"simulate", "--workers", "2", "--partitions", "3", "--cost", "pareto:1"},
                                              {"simulate", "--workers", "0", "--partitions", "3", "--cost", "const:1"}}) {
    const Completed bad = run(0, args);
    EXPECT_EQ(bad.exit_code, 2) << bad.err;
    EXPECT_EQ(bad.error_lines().size(), 1u) << bad.err;
  }
  const Completed absent = run(0, {"simulate", "--workers", "2", "--costs-from", "absent.h5"});
  EXPECT_EQ(absent.exit_code, 3) << absent.err;
  EXPECT_NE(absent.err.find("absent.h5"), std::string::npos) << absent.err;
}

}  // namespace
}  // namespace kdsched::testing
