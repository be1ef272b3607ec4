#include "common/error.hpp"
#include "job/job_spec.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

namespace kdsched::job {
namespace {

namespace fs = std::filesystem;

const fs::path job_path = "jobs/demo.toml";

// Eight lines; text appended to it starts on line 9.
const std::string base = R"([job]
name = "demo"
output = "out.h5"
[input]
file = "in.h5"
dataset = "/points"
[kernel]
name = "stats"
)";

// Spin jobs have no [input]; text appended starts on line 6.
const std::string spin_base = R"([job]
name = "spin"
output = "out.h5"
[kernel]
name = "spin"
)";

std::string usage_error(const std::string& text) {
  try {
    parse_job_text(text, job_path);
  } catch (const UsageError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no UsageError for:\n" << text;
  return {};
}

TEST(JobSpec, FullJobParsesEveryField) {
  const std::string text = R"([job]
name = "blobs-stats.v1_a"
output = "results/blobs-stats.h5"
description = "column statistics"

[input]
file = "../data/blobs.h5"
dataset = "/points"

[partition]
rows = 65536

[kernel]
name = "kmeans"
k = 8

[schedule]
chunking = "factoring"
chunk = 4
stealing = "master"
order = "lpt"
costs_from = "previous.h5"
)";
  const JobSpec job = parse_job_text(text, job_path);
  EXPECT_EQ(job.path, job_path);
  EXPECT_EQ(job.text, text);
  EXPECT_EQ(job.name, "blobs-stats.v1_a");
  EXPECT_EQ(job.description, "column statistics");
  EXPECT_EQ(job.output, fs::path("jobs/results/blobs-stats.h5"));
  ASSERT_TRUE(job.input.has_value());
  EXPECT_EQ(job.input->file, fs::path("data/blobs.h5"));
  EXPECT_EQ(job.input->dataset, "/points");
  EXPECT_EQ(job.partition.rows, 65536u);
  EXPECT_FALSE(job.partition.count.has_value());
  EXPECT_FALSE(job.partition.range.has_value());
  EXPECT_EQ(job.kernel, "kmeans");
  EXPECT_EQ(job.kernel_params.find_int("k"), 8);
  EXPECT_FALSE(job.kernel_params.contains("name"));
  EXPECT_EQ(job.schedule.chunking, Chunking::factoring);
  EXPECT_EQ(job.schedule.chunk, 4u);
  EXPECT_EQ(job.schedule.stealing, Stealing::master);
  EXPECT_EQ(job.schedule.order, Order::lpt);
  EXPECT_EQ(job.schedule.costs_from, fs::path("jobs/previous.h5"));
}

TEST(JobSpec, DefaultsApplyToOptionalTablesAndKeys) {
  const JobSpec job = parse_job_text(base, job_path);
  EXPECT_EQ(job.description, "");
  EXPECT_FALSE(job.partition.rows.has_value());
  EXPECT_FALSE(job.partition.count.has_value());
  EXPECT_EQ(job.schedule.chunking, Chunking::guided);
  EXPECT_EQ(job.schedule.chunk, 1u);
  EXPECT_EQ(job.schedule.stealing, Stealing::random);
  EXPECT_EQ(job.schedule.order, Order::fifo);
  EXPECT_TRUE(job.schedule.costs_from.empty());
}

TEST(JobSpec, CheckpointSecondsAndInjectDelayAreReadAndBounded) {
  EXPECT_EQ(parse_job_text(base, job_path).faults.checkpoint_s, 5.0);
  EXPECT_EQ(parse_job_text(base, job_path).faults.inject_delay_s, 0.0);
  const JobSpec job = parse_job_text(base + "[faults]\ncheckpoint_seconds = 0.5\ninject_delay = 0.25\n", job_path);
  EXPECT_EQ(job.faults.checkpoint_s, 0.5);
  EXPECT_EQ(job.faults.inject_delay_s, 0.25);
  EXPECT_EQ(usage_error(base + "[faults]\ncheckpoint_seconds = 0\n"),
            "jobs/demo.toml:10:22: [faults] checkpoint_seconds must be above 0 and at most 1e6");
  EXPECT_NE(usage_error(base + "[faults]\ninject_delay = -1\n").find("inject_delay must be 0 to 3600 seconds"),
            std::string::npos);
}

TEST(JobSpec, EnumsPrintAsInJobFiles) {
  EXPECT_EQ(to_string(Chunking::static_block), "static");
  EXPECT_EQ(to_string(Chunking::adaptive), "adaptive");
  EXPECT_EQ(to_string(Stealing::off), "off");
  EXPECT_EQ(to_string(Order::lpt), "lpt");
}

TEST(JobSpec, IndexRangeWithoutInput) {
  const JobSpec job = parse_job_text(spin_base + "[partition]\nrange = [10, 20000]\ncount = 8\n", job_path);
  EXPECT_FALSE(job.input.has_value());
  EXPECT_EQ(job.partition.range, (std::pair<std::uint64_t, std::uint64_t>(10, 20000)));
  EXPECT_EQ(job.partition.count, 8u);
}

TEST(JobSpec, CommandFilesAcceptAStringOrAnArray) {
  const std::string head = "[job]\nname = \"cmd\"\noutput = \"out.h5\"\n[kernel]\nname = \"command\"\n[input]\n";
  const JobSpec one = parse_job_text(head + "files = \"inputs/*.dat\"\n", job_path);
  EXPECT_EQ(one.input->files, std::vector<fs::path>{"jobs/inputs/*.dat"});
  const JobSpec two = parse_job_text(head + "files = [\"a.dat\", \"/data/b.dat\"]\n", job_path);
  EXPECT_EQ(two.input->files, (std::vector<fs::path>{"jobs/a.dat", "/data/b.dat"}));
  EXPECT_EQ(usage_error(head + "file = \"x.h5\"\nfiles = [\"a.dat\"]\n"),
            "jobs/demo.toml:8:9: [input] file and files are mutually exclusive");
}

TEST(JobSpec, PathsResolveAgainstTheJobFolder) {
  const std::string text = "[job]\nname = \"p\"\noutput = \"/abs/out.h5\"\n[input]\nfile = \"./data/../in.h5\"\ndataset = \"/d\"\n"
                           "[kernel]\nname = \"stats\"\n";
  const JobSpec nested = parse_job_text(text, "/srv/jobs/p.toml");
  EXPECT_EQ(nested.output, fs::path("/abs/out.h5"));
  EXPECT_EQ(nested.input->file, fs::path("/srv/jobs/in.h5"));
  const JobSpec here = parse_job_text(text, "p.toml");
  EXPECT_EQ(here.input->file, fs::path("in.h5"));
}

TEST(JobSpec, AnOutputNamingAFolderIsLocated) {
  const auto output_error = [](const std::string& output) {
    return usage_error("[job]\nname = \"demo\"\noutput = \"" + output + "\"\n[kernel]\nname = \"spin\"\n");
  };
  EXPECT_EQ(output_error("results/"),
            "jobs/demo.toml:3:10: [job] output 'results/' names a folder; it must name a file, such as "
            "'results/result.h5'");
  EXPECT_EQ(output_error("results/.").rfind("jobs/demo.toml:3:10: [job] output 'results/.' names a folder", 0), 0u);
  EXPECT_EQ(output_error("out.h5/..").rfind("jobs/demo.toml:3:10: [job] output 'out.h5/..' names a folder", 0), 0u);
  EXPECT_EQ(output_error("/").rfind("jobs/demo.toml:3:10: [job] output '/' names a folder", 0), 0u);
}

TEST(JobSpec, SyntaxErrorIsLocated) {
  EXPECT_EQ(usage_error("[job]\nname = \"demo\"\noutput = = \"x\"\n").rfind("jobs/demo.toml:3:10: ", 0), 0u);
}

TEST(JobSpec, UnknownTableSuggestsTheClosest) {
  EXPECT_EQ(usage_error(base + "[schedul]\n"),
            "jobs/demo.toml:9:1: unknown table [schedul]; did you mean [schedule]?");
  EXPECT_EQ(usage_error("verbose = true\n" + base), "jobs/demo.toml:1:1: unknown key 'verbose' outside any table");
}

TEST(JobSpec, UnknownKeySuggestsTheClosest) {
  EXPECT_EQ(usage_error(base + "[schedule]\nchunkng = \"static\"\n"),
            "jobs/demo.toml:10:1: unknown key 'chunkng' in [schedule]; did you mean 'chunking'?");
  EXPECT_EQ(usage_error(base + "[schedule]\n  zzzzzzzz = 1\n"),
            "jobs/demo.toml:10:3: unknown key 'zzzzzzzz' in [schedule]");
}

TEST(JobSpec, WrongTypeIsLocatedAtTheValue) {
  EXPECT_EQ(usage_error(base + "[schedule]\nchunk = \"four\"\n"),
            "jobs/demo.toml:10:9: [schedule] chunk must be an integer");
  EXPECT_EQ(usage_error(base + "[schedule]\nchunking = 3\n"),
            "jobs/demo.toml:10:12: [schedule] chunking must be a string");
}

TEST(JobSpec, OutOfRangeValueIsLocated) {
  EXPECT_EQ(usage_error(base + "[schedule]\nchunk = 0\n"), "jobs/demo.toml:10:9: [schedule] chunk must be >= 1");
  EXPECT_EQ(usage_error(base + "[partition]\nrows = -5\n"), "jobs/demo.toml:10:8: [partition] rows must be >= 1");
}

TEST(JobSpec, MissingRequiredKeyIsLocatedAtItsTable) {
  EXPECT_EQ(usage_error("[input]\nfile = \"in.h5\"\n[job]\noutput = \"out.h5\"\n"),
            "jobs/demo.toml:3:1: [job] is missing required key 'name'");
  EXPECT_EQ(usage_error("[job]\nname = \"demo\"\noutput = \"out.h5\"\n[input]\nfile = \"in.h5\"\n"),
            "jobs/demo.toml:1:1: [kernel] is missing required key 'name'");
}

TEST(JobSpec, InvalidJobName) {
  EXPECT_EQ(usage_error("[job]\nname = \"two words\"\n"),
            "jobs/demo.toml:2:8: [job] name 'two words' must be 1 to 64 characters among A-Z a-z 0-9 . _ -");
  EXPECT_NE(usage_error("[job]\nname = \"" + std::string(65, 'a') + "\"\n"), "");
}

TEST(JobSpec, NulInAnyStringIsLocated) {
  EXPECT_EQ(usage_error("[job]\nname = \"d\"\noutput = \"out\\u0000.h5\"\n"),
            "jobs/demo.toml:3:10: output \"out\\x00.h5\" must not contain a NUL character");
  EXPECT_EQ(usage_error(spin_base + "argv = [\"a\", \"b\\u0000\"]\n"),
            "jobs/demo.toml:6:14: argv \"b\\x00\" must not contain a NUL character");
}

TEST(JobSpec, RowsAndCountAreMutuallyExclusive) {
  EXPECT_EQ(usage_error(base + "[partition]\nrows = 10\ncount = 4\n"),
            "jobs/demo.toml:11:9: [partition] rows and count are mutually exclusive");
}

TEST(JobSpec, RangeIsOnlyForJobsWithoutInput) {
  EXPECT_EQ(usage_error(base + "[partition]\nrange = [0, 10]\n"),
            "jobs/demo.toml:10:9: [partition] range is only allowed in a job without [input]");
  EXPECT_EQ(usage_error(spin_base),
            "jobs/demo.toml:1:1: [partition] is missing required key 'range'; a job without [input] partitions an "
            "index range");
  EXPECT_EQ(usage_error(spin_base + "[partition]\nrange = [5, 4]\n"),
            "jobs/demo.toml:7:9: [partition] range [begin, end] must satisfy 0 <= begin <= end");
  EXPECT_EQ(usage_error(spin_base + "[partition]\nrange = [5]\n"),
            "jobs/demo.toml:7:9: [partition] range must be [begin, end]");
}

TEST(JobSpec, UnknownKernelSuggestsTheClosest) {
  const std::string text = "[kernel]\nname = \"kmean\"\n"
                           "[job]\nname = \"d\"\noutput = \"o.h5\"\n[input]\nfile = \"i.h5\"\n";
  EXPECT_EQ(usage_error(text),
            "jobs/demo.toml:2:8: [kernel] name 'kmean' is not one of stats, histogram, kmeans, itemsets, command, "
            "spin; did you mean 'kmeans'?");
}

TEST(JobSpec, UnknownChunkingSuggestsTheClosest) {
  EXPECT_EQ(usage_error(base + "[schedule]\nchunking = \"guidded\"\n"),
            "jobs/demo.toml:10:12: [schedule] chunking 'guidded' is not one of static, cyclic, fixed, guided, "
            "factoring, trapezoid, adaptive; did you mean 'guided'?");
}

TEST(JobSpec, ParsesAFileAndReportsAMissingOne) {
  const fs::path folder = fs::temp_directory_path() / ("kdsched-job-test-" + std::to_string(getpid()));
  fs::create_directories(folder);
  std::ofstream(folder / "demo.toml") << base;
  const JobSpec job = parse_job_file(folder / "demo.toml");
  EXPECT_EQ(job.input->file, folder / "in.h5");
  EXPECT_EQ(job.text, base);
  fs::remove_all(folder);

  try {
    parse_job_file(folder / "demo.toml");
    ADD_FAILURE() << "no IoError";
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()), "cannot read job file '" + (folder / "demo.toml").string() +
                                             "': No such file or directory");
  }
}

}  // namespace
}  // namespace kdsched::job

namespace kdsched::job {
namespace {

TEST(JobSpec, DatasetKernelsNeedADataset) {
  const std::string text = "[job]\nname = \"s\"\noutput = \"out.h5\"\n[input]\nfile = \"in.h5\"\n[kernel]\nname = \"stats\"\n";
  try {
    parse_job_text(text, "jobs/demo.toml");
    FAIL() << "a stats job without a dataset was accepted";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.what(), "jobs/demo.toml:4:1: [input] is missing required key 'dataset'; the stats kernel reads a dataset");
  }
}

}  // namespace
}  // namespace kdsched::job
