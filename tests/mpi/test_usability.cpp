// What a user sees: limits, messages that values from a job file cannot forge, validate's notes,
// debug lines, progress per round, and report's view of a result.
#include "io/result_file.hpp"
#include "mpi/harness.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

namespace kdsched::testing {
namespace {

using Usability = EndToEnd;

std::string spin_job(const std::string& job_section, const std::string& range) {
  return job_section + "[partition]\nrange = " + range + "\n[kernel]\nname = \"spin\"\ncost = \"const:0\"\n";
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Lines of `text` that begin with `prefix`.
std::size_t lines_starting_with(const std::string& text, const std::string& prefix) {
  std::istringstream lines(text);
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line);) n += line.starts_with(prefix);
  return n;
}

TEST_F(Usability, HugeRangesAreRefusedBeforeAnyPlanIsBuilt) {
  for (const std::string end : {"1000000000", "1000000000000000"}) {
    write_text("job.toml", spin_job("[job]\nname = \"huge\"\noutput = \"huge.h5\"\n", "[0, " + end + "]"));
    for (const std::string command : {"validate", "run"}) {
      const Completed refused = run(0, {command, "job.toml"}, 60);
      EXPECT_EQ(refused.exit_code, 2) << command << " " << end << ": " << refused.err;
      ASSERT_EQ(refused.error_lines().size(), 1u) << refused.err;
      EXPECT_EQ(refused.error_lines()[0],
                fmt::format("kdsched: error: job.toml:5:9: [partition] the plan has {} partitions, more than the 16777216 a "
                            "job may have (the master keeps a 64-byte record of every partition in every round: "
                            "1.0 GiB a round at that limit); set [partition] rows or count for fewer, larger partitions",
                            end));
    }
  }
  // The way out the message names: fewer, larger partitions.
  write_text("job.toml", "[job]\nname = \"huge\"\noutput = \"huge.h5\"\n[partition]\nrange = [0, 1000000000000000]\n"
                         "rows = 1000000000000\n[kernel]\nname = \"spin\"\ncost = \"const:0\"\n");
  const Completed fewer = run(0, {"validate", "job.toml"}, 60);
  EXPECT_EQ(fewer.exit_code, 0) << fewer.err;
  EXPECT_NE(fewer.out.find("partitions  1000 ("), std::string::npos) << fewer.out;
}

TEST_F(Usability, ControlCharactersInValuesCannotForgeErrorLines) {
  const std::string forged = "\\nkdsched: error: forged";
  struct Case {
    std::string text;
    std::string command;
    std::string escaped;  // what the one error line must hold
  };
  const std::vector<Case> cases{
      {spin_job("[job]\nname = \"a\\u0000" + forged + "\"\noutput = \"o.h5\"\n", "[0, 4]"), "validate",
       "name \"a\\x00\\nkdsched: error: forged\" must not contain a NUL character"},
      {spin_job("[job]\nname = \"a\"\noutput = \"o\\u0000" + forged + ".h5\"\n", "[0, 4]"), "run",
       "output \"o\\x00\\nkdsched: error: forged.h5\" must not contain a NUL character"},
      // The output's folder is a file: the error names the output, newline and all.
      {spin_job("[job]\nname = \"a\"\noutput = \"job.toml/o" + forged + ".h5\"\n", "[0, 4]"), "run",
       "job.toml/o\\nkdsched: error: forged.h5"},
      {"[job]\nname = \"a\"\noutput = \"o.h5\"\n[input]\nfiles = [\"job.toml\"]\n[kernel]\nname = \"command\"\n"
       "argv = [\"true\", \"{file}\\u0000" + forged + "\"]\n",
       "validate", "argv \"{file}\\x00\\nkdsched: error: forged\" must not contain a NUL character"},
  };
  for (const Case& c : cases) {
    write_text("job.toml", c.text);
    const Completed refused = run(0, {c.command, "job.toml"}, 60);
    EXPECT_GE(refused.exit_code, 2) << c.text;
    ASSERT_EQ(refused.error_lines().size(), 1u) << refused.err;
    EXPECT_EQ(count(refused.err, "kdsched: error:"), 2u) << "the forged text stays inside the one line: " << refused.err;
    EXPECT_NE(refused.error_lines()[0].find(c.escaped), std::string::npos) << refused.err;
  }

  // validate's plan on stdout escapes them too.
  write_text("job.toml", spin_job("[job]\nname = \"a\"\noutput = \"o" + forged + ".h5\"\n", "[0, 4]"));
  const Completed plan = run(0, {"validate", "job.toml"});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_EQ(lines_starting_with(plan.out, "kdsched: error:"), 0u) << plan.out;
  EXPECT_NE(plan.out.find("output      o\\nkdsched: error: forged.h5"), std::string::npos)
      << plan.out;
}

TEST_F(Usability, ValidateSaysWhatRunWillDoWithAnExistingOutput) {
  write_text("job.toml", spin_job("[job]\nname = \"a\"\noutput = \"o.h5\"\n", "[0, 4]"));
  write_text("o.h5", "old");
  const Completed plain = run(0, {"validate", "job.toml"});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find("(exists: `run` needs --force)"), std::string::npos) << plain.out;
  const Completed forced = run(0, {"validate", "--force", "job.toml"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(forced.out.find("needs --force"), std::string::npos) << forced.out;
  EXPECT_NE(forced.out.find("(exists: --force replaces it)"), std::string::npos) << forced.out;
}

TEST_F(Usability, DebugLogLevelTellsWhatHappens) {
  const Completed help = run(0, {"run", "--help"});
  EXPECT_NE(help.out.find("--log-level"), std::string::npos) << help.out;

  write_text("job.toml", spin_job("[job]\nname = \"dbg\"\noutput = \"o.h5\"\n", "[0, 6]"));
  for (const std::vector<std::string>& args : {std::vector<std::string>{"run", "--log-level", "debug", "job.toml"},
                                               {"--log-level", "debug", "run", "--force", "job.toml"}}) {
    const Completed debug = run(2, args);
    ASSERT_EQ(debug.exit_code, 0) << debug.err;
    EXPECT_NE(debug.err.find("kdsched[0]: debug: job.toml: job 'dbg' loaded (kernel spin"),
              std::string::npos)
        << debug.err;
    EXPECT_NE(debug.err.find("kdsched[1]: debug: job.toml: plan of 6 partitions over [0, 6)"),
              std::string::npos)
        << "workers build the plan too: " << debug.err;
    EXPECT_NE(debug.err.find("debug: o.h5: output opened"), std::string::npos) << debug.err;
    EXPECT_NE(debug.err.find("debug: o.h5: output committed (6 partition records, 1 rounds)"),
              std::string::npos)
        << debug.err;
  }
  const Completed quiet = run(2, {"run", "--force", "job.toml"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("debug:"), std::string::npos) << quiet.err;
}

class KMeansResult : public EndToEnd {
 protected:
  void SetUp() override {
    EndToEnd::SetUp();
    ASSERT_EQ(run(0, {"gen", "blobs", "--rows", "3000", "--cols", "2", "--centers", "3", "--chunk-rows", "500",
                      "--seed", "4", "--out", "blobs.h5"})
                  .exit_code,
              0);
    write_text("job.toml", "[job]\nname = \"km\"\noutput = \"km.h5\"\n[input]\nfile = \"blobs.h5\"\n"
                           "dataset = \"/points\"\n[partition]\ncount = 6\n[kernel]\nname = \"kmeans\"\nk = 3\n"
                           "max_iterations = 50\n");
  }
};

TEST_F(KMeansResult, ProgressNamesEachRound) {
  const Completed done = run(3, {"run", "job.toml", "--progress", "auto"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const auto rounds = io::ResultFile(path("km.h5")).read_partitions().back().round + 1;
  ASSERT_GT(rounds, 2u);
  // One line at least per round, each naming its round out of a bound the run stayed within.
  const std::regex line(R"(progress: round (\d+)/≤(\d+): 6/6 partitions \(100\.0%\))");
  std::set<std::uint32_t> named;
  for (auto it = std::sregex_iterator(done.err.begin(), done.err.end(), line); it != std::sregex_iterator(); ++it) {
    named.insert(static_cast<std::uint32_t>(std::stoul((*it)[1])));
    EXPECT_GE(std::stoul((*it)[2]), rounds) << done.err;
    EXPECT_LE(std::stoul((*it)[2]), 50u + 10u) << "max_iterations and a few rounds of seeding: " << done.err;
  }
  EXPECT_EQ(named.size(), rounds) << done.err;
  EXPECT_EQ(*named.rbegin(), rounds) << done.err;
  EXPECT_EQ(done.err.find(fmt::format("round {}/", rounds + 1)), std::string::npos) << done.err;
  EXPECT_EQ(lines_starting_with(done.err, "kdsched: info: progress: 6/6"), 0u) << "no line without its round";
}

TEST_F(KMeansResult, HistogramRoundsAreNamedOnlyWhenThereAreTwo) {
  const std::string job = "[job]\nname = \"h\"\noutput = \"h.h5\"\n[input]\nfile = \"blobs.h5\"\n"
                          "dataset = \"/points\"\n[partition]\ncount = 6\n[kernel]\nname = \"histogram\"\nbins = 4\n";
  write_text("h.toml", job);
  const Completed two = run(3, {"run", "h.toml"});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_NE(two.err.find("progress: round 1/≤2: 6/6 partitions"), std::string::npos) << two.err;
  EXPECT_NE(two.err.find("progress: round 2/≤2: 6/6 partitions"), std::string::npos) << two.err;
  write_text("h.toml", job + "range = [-20, 20]\n");
  const Completed one = run(3, {"run", "h.toml", "--force"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.err.find("progress: 6/6 partitions"), std::string::npos) << one.err;
  EXPECT_EQ(one.err.find("round"), std::string::npos) << one.err;
}

TEST_F(KMeansResult, ReportShowsShapesCutPreviewsAndAttributes) {
  ASSERT_EQ(run(0, {"run", "job.toml", "--progress", "off"}).exit_code, 0);
  const io::ResultFile result(path("km.h5"));
  const auto attributes = result.attributes("/result");
  const auto labels = result.read_i64("/result/labels");

  const Completed text = run(0, {"report", "km.h5"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const auto shown = [&](const std::string& name) {
    return std::visit([](const auto& v) { return fmt::format("{}", v); }, attributes.at(name));
  };
  EXPECT_NE(text.out.find("  inertia          " + shown("inertia") + "\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  iterations       " + shown("iterations") + "\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  converged        1\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  centroids        3 x 2      ["), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  cluster_sizes    3          ["), std::string::npos) << text.out;
  const std::vector<std::int64_t> first(labels.begin(), labels.begin() + 8);
  EXPECT_NE(text.out.find(fmt::format("  labels           3000       [{}, …]\n", fmt::join(first, ", "))),
            std::string::npos)
      << text.out;
  EXPECT_EQ(count(text.out, "…"), 1u) << "only the cut preview is marked: " << text.out;

  const Completed json = run(0, {"report", "km.h5", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"result_attributes\": {\n    \"converged\": 1,\n    \"inertia\": "), std::string::npos)
      << json.out;
  EXPECT_NE(json.out.find(fmt::format("\"labels\": {{\"shape\": [3000], \"values\": [{}], \"cut\": true}}",
                                      fmt::join(first, ", "))),
            std::string::npos)
      << json.out;
  EXPECT_NE(json.out.find("\"centroids\": {\"shape\": [3, 2], \"values\": ["), std::string::npos) << json.out;
}

TEST_F(Usability, ReportCountsItemsetsAndRules) {
  ASSERT_EQ(run(0, {"gen", "transactions", "--transactions", "400", "--items", "30", "--avg-length", "5",
                    "--patterns", "5", "--seed", "2", "--out", "t.h5"})
                .exit_code,
            0);
  write_text("job.toml", "[job]\nname = \"fi\"\noutput = \"fi.h5\"\n[input]\nfile = \"t.h5\"\n"
                         "items = \"/transactions/items\"\noffsets = \"/transactions/offsets\"\n[partition]\ncount = 3\n"
                         "[kernel]\nname = \"itemsets\"\nmin_support = 0.05\nmin_confidence = 0.5\n");
  const Completed done = run(3, {"run", "job.toml"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.err.find("progress: round 2/≤2: 3/3 partitions"), std::string::npos) << done.err;
  const io::ResultFile result(path("fi.h5"));
  const auto itemsets = result.read_u64("/result/itemsets/support").size();
  const auto rules = result.read_u64("/result/rules/support").size();
  ASSERT_GT(itemsets, 0u);
  ASSERT_GT(rules, 0u);
  const Completed text = run(0, {"report", "fi.h5"});
  EXPECT_NE(text.out.find(fmt::format("  itemsets/count   {}\n", itemsets)), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(fmt::format("  rules/count      {}\n", rules)), std::string::npos) << text.out;
  const Completed json = run(0, {"report", "fi.h5", "--json"});
  EXPECT_NE(json.out.find(fmt::format("\"itemsets/count\": {}", itemsets)), std::string::npos) << json.out;
  EXPECT_NE(json.out.find(fmt::format("\"rules/count\": {}", rules)), std::string::npos) << json.out;
}

}  // namespace
}  // namespace kdsched::testing
