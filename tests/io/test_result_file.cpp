#include "io/output_file.hpp"
#include "io/result_file.hpp"

#include "io/expect_error.hpp"
#include "io/h5_types.hpp"
#include "io/raw_h5.hpp"
#include "io/temp_dir.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace kdsched::io {

// Found by argument-dependent lookup, so they live in the records' namespace.
static bool operator==(const PartitionRecord& a, const PartitionRecord& b) {
  return std::tie(a.round, a.id, a.row_begin, a.row_end, a.rank, a.attempts, a.stolen, a.start_s, a.end_s, a.status) ==
         std::tie(b.round, b.id, b.row_begin, b.row_end, b.rank, b.attempts, b.stolen, b.start_s, b.end_s, b.status);
}

static bool operator==(const WorkerRecord& a, const WorkerRecord& b) {
  return std::tie(a.rank, a.hostname, a.partitions, a.busy_s, a.idle_s, a.steals_sent, a.steals_received,
                  a.bytes_read, a.cache_hits, a.steal_attempts, a.steal_wait_s, a.lost) ==
         std::tie(b.rank, b.hostname, b.partitions, b.busy_s, b.idle_s, b.steals_sent, b.steals_received, b.bytes_read,
                  b.cache_hits, b.steal_attempts, b.steal_wait_s, b.lost);
}

namespace {

using testing::expect_io_error;
using testing::TempDir;

std::vector<PartitionRecord> sample_partitions() {
  return {
      {0, 0, 0, 100, 1, 1, 0, 0.0, 0.5, 0},
      {0, 1, 100, 200, 2, 2, 1, 0.25, 1.75, 1},
      {std::numeric_limits<std::uint32_t>::max(), std::numeric_limits<std::uint64_t>::max(), 200, 250, -1, 65535, 255,
       1e-9, 1e9, 0},
  };
}

std::vector<WorkerRecord> sample_workers() {
  return {
      {1, "node001.cluster", 12, 3.5, 0.25, 1, 2, 1u << 20, 3, 9, 0.0125},
      {2, "nœud-é.example", 7, 2.0, 1.5, 0, 0, 4096},
      {3, "", 0, 0, 0, 0, 0, 0},
  };
}

class ResultFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OutputFile out(path(), false);
    Group& root = out.root();
    root.set_attribute("job_name", std::string("blobs-stats"));
    root.set_attribute("job_toml", std::string("[job]\nname = \"blobs-stats\"\n# ünïcödé\n"));
    root.set_attribute("status", std::string("partial"));
    root.set_attribute("status", std::string("complete"));
    root.set_attribute("format_version", std::int64_t{1});
    root.set_attribute("offset", std::int64_t{-42});
    root.set_attribute("bytes", std::uint64_t{(1ull << 63) + 5});
    root.set_attribute("wall_seconds", 12.5);
    Group result = root.create_group("result");
    result.set_attribute("inertia", 0.125);
    result.write("centroids", std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2});
    result.write("labels", std::vector<std::int32_t>{0, 2, -1});
    result.write("sizes", std::vector<std::uint64_t>{std::numeric_limits<std::uint64_t>::max(), 0});
    result.write("deltas", std::vector<std::int64_t>{-7, 7});
    result.write("itemsets/support", std::vector<std::uint64_t>{});
    root.write_partitions("partitions", sample_partitions());
    root.write_workers("workers", sample_workers());
    root.write_partitions("no_partitions", {});
    root.write_workers("no_workers", {});
    out.commit();
  }

  std::filesystem::path path() const { return dir_ / "out.h5"; }

 private:
  TempDir dir_;
};

TEST_F(ResultFileTest, AttributesRoundTrip) {
  auto attributes = ResultFile(path()).attributes("/");
  EXPECT_EQ(attributes.size(), 7u);
  EXPECT_EQ(std::get<std::string>(attributes.at("job_name")), "blobs-stats");
  EXPECT_EQ(std::get<std::string>(attributes.at("job_toml")), "[job]\nname = \"blobs-stats\"\n# ünïcödé\n");
  EXPECT_EQ(std::get<std::string>(attributes.at("status")), "complete");
  EXPECT_EQ(std::get<std::int64_t>(attributes.at("format_version")), 1);
  EXPECT_EQ(std::get<std::int64_t>(attributes.at("offset")), -42);
  EXPECT_EQ(std::get<std::uint64_t>(attributes.at("bytes")), (1ull << 63) + 5);
  EXPECT_EQ(std::get<double>(attributes.at("wall_seconds")), 12.5);
  EXPECT_EQ(std::get<double>(ResultFile(path()).attributes("/result").at("inertia")), 0.125);
  EXPECT_TRUE(ResultFile(path()).attributes("/result/centroids").empty());
}

TEST_F(ResultFileTest, AttributesUseTheTypesH5pyExpects) {
  h5::Handle file = testing::open_raw(path(), H5F_ACC_RDONLY);
  auto attribute_type = [&](const char* name) {
    h5::Handle attribute(H5Aopen(file.get(), name, H5P_DEFAULT), H5Aclose, name);
    return h5::Handle(H5Aget_type(attribute.get()), H5Tclose, name);
  };
  h5::Handle text = attribute_type("job_name");
  EXPECT_EQ(H5Tget_class(text.get()), H5T_STRING);
  EXPECT_GT(H5Tis_variable_str(text.get()), 0);
  EXPECT_EQ(H5Tget_cset(text.get()), H5T_CSET_UTF8);
  EXPECT_GT(H5Tequal(attribute_type("format_version").get(), H5T_STD_I64LE), 0);
  EXPECT_GT(H5Tequal(attribute_type("bytes").get(), H5T_STD_U64LE), 0);
  EXPECT_GT(H5Tequal(attribute_type("wall_seconds").get(), H5T_IEEE_F64LE), 0);
}

TEST_F(ResultFileTest, FixedLengthStringAttributesAreRead) {
  {
    h5::Handle file = testing::open_raw(path(), H5F_ACC_RDWR);
    testing::write_fixed_string_attribute(file.get(), "legacy", "fixed text");
  }
  EXPECT_EQ(std::get<std::string>(ResultFile(path()).attributes("/").at("legacy")), "fixed text");
}

TEST_F(ResultFileTest, NumericDatasetsRoundTrip) {
  ResultFile file(path());
  std::vector<std::uint64_t> dims;
  EXPECT_EQ(file.read_f64("/result/centroids", &dims), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(dims, (std::vector<std::uint64_t>{3, 2}));
  EXPECT_EQ(file.read_i64("/result/labels", &dims), (std::vector<std::int64_t>{0, 2, -1}));
  EXPECT_EQ(dims, (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(file.read_f64("/result/labels"), (std::vector<double>{0, 2, -1}));
  EXPECT_EQ(file.read_u64("/result/sizes"), (std::vector<std::uint64_t>{std::numeric_limits<std::uint64_t>::max(), 0}));
  EXPECT_EQ(file.read_i64("/result/deltas"), (std::vector<std::int64_t>{-7, 7}));
  EXPECT_TRUE(file.read_u64("/result/itemsets/support", &dims).empty());
  EXPECT_EQ(dims, (std::vector<std::uint64_t>{0}));
}

TEST_F(ResultFileTest, TheStartOfADatasetReadsOnlyWhatItNeeds) {
  ResultFile file(path());
  std::vector<std::uint64_t> dims;
  EXPECT_EQ(file.read_f64_start("/result/centroids", 3, &dims), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(dims, (std::vector<std::uint64_t>{3, 2})) << "the whole shape, whatever was read";
  EXPECT_EQ(file.read_f64_start("/result/centroids", 4), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(file.read_f64_start("/result/centroids", 100), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(file.read_f64_start("/result/labels", 1), (std::vector<double>{0}));
  EXPECT_TRUE(file.read_f64_start("/result/itemsets/support", 8, &dims).empty());
  EXPECT_EQ(dims, (std::vector<std::uint64_t>{0}));
}

TEST_F(ResultFileTest, TablesRoundTrip) {
  ResultFile file(path());
  EXPECT_EQ(file.read_partitions(), sample_partitions());
  EXPECT_EQ(file.read_workers(), sample_workers());
  EXPECT_TRUE(file.read_partitions("/no_partitions").empty());
  EXPECT_TRUE(file.read_workers("/no_workers").empty());
}

// The field names, order and types are part of the output format, read by users' scripts.
void expect_fields(hid_t file, const char* table, const std::vector<std::pair<std::string, hid_t>>& fields) {
  h5::Handle dataset(H5Dopen2(file, table, H5P_DEFAULT), H5Dclose, table);
  h5::Handle type(H5Dget_type(dataset.get()), H5Tclose, table);
  ASSERT_EQ(H5Tget_class(type.get()), H5T_COMPOUND);
  ASSERT_EQ(H5Tget_nmembers(type.get()), static_cast<int>(fields.size()));
  std::size_t packed = 0;
  for (unsigned i = 0; i < fields.size(); ++i) {
    char* name = H5Tget_member_name(type.get(), i);
    EXPECT_EQ(name, fields[i].first);
    H5free_memory(name);
    h5::Handle member(H5Tget_member_type(type.get(), i), H5Tclose, table);
    EXPECT_GT(H5Tequal(member.get(), fields[i].second), 0) << fields[i].first;
    EXPECT_EQ(H5Tget_member_offset(type.get(), i), packed) << fields[i].first;
    packed += H5Tget_size(member.get());
  }
  EXPECT_EQ(H5Tget_size(type.get()), packed);
}

TEST_F(ResultFileTest, TablesHaveTheDocumentedLayout) {
  h5::Handle file = testing::open_raw(path(), H5F_ACC_RDONLY);
  expect_fields(file.get(), "/partitions",
                {{"round", H5T_STD_U32LE},
                 {"id", H5T_STD_U64LE},
                 {"row_begin", H5T_STD_U64LE},
                 {"row_end", H5T_STD_U64LE},
                 {"rank", H5T_STD_I32LE},
                 {"attempts", H5T_STD_U16LE},
                 {"stolen", H5T_STD_U8LE},
                 {"start_s", H5T_IEEE_F64LE},
                 {"end_s", H5T_IEEE_F64LE},
                 {"status", H5T_STD_U8LE}});
  h5::Handle text = h5::utf8_string_type();
  expect_fields(file.get(), "/workers",
                {{"rank", H5T_STD_I32LE},
                 {"hostname", text.get()},
                 {"partitions", H5T_STD_U64LE},
                 {"busy_s", H5T_IEEE_F64LE},
                 {"idle_s", H5T_IEEE_F64LE},
                 {"steals_sent", H5T_STD_U64LE},
                 {"steals_received", H5T_STD_U64LE},
                 {"bytes_read", H5T_STD_U64LE},
                 {"cache_hits", H5T_STD_U64LE},
                 {"steal_attempts", H5T_STD_U64LE},
                 {"steal_wait_s", H5T_IEEE_F64LE},
                 {"lost", H5T_STD_U8LE}});
}

TEST_F(ResultFileTest, ExistsAndMembers) {
  ResultFile file(path());
  EXPECT_TRUE(file.exists("/"));
  EXPECT_TRUE(file.exists("/result"));
  EXPECT_TRUE(file.exists("/result/itemsets/support"));
  EXPECT_TRUE(file.exists("result/centroids"));
  EXPECT_FALSE(file.exists("/nope"));
  EXPECT_FALSE(file.exists("/nope/deeper"));
  EXPECT_FALSE(file.exists("/result/centroids/inside"));
  EXPECT_EQ(file.members("/"),
            (std::vector<std::string>{"no_partitions", "no_workers", "partitions", "result", "workers"}));
  EXPECT_EQ(file.members("/result"), (std::vector<std::string>{"centroids", "deltas", "itemsets", "labels", "sizes"}));
}

TEST_F(ResultFileTest, MissingObjectsAreIoErrors) {
  ResultFile file(path());
  expect_io_error([&] { file.read_f64("/result/nope"); },
                  "dataset '/result/nope' not found in '" + path().string() + "'");
  expect_io_error([&] { file.members("/nope"); }, "group '/nope' not found");
  expect_io_error([&] { file.attributes("/nope"); }, "'/nope' not found");
  expect_io_error([&] { file.read_workers("/nope"); }, "dataset '/nope' not found");
  expect_io_error([&] { file.read_f64("/partitions"); }, "has unsupported type compound");
  expect_io_error([&] { ResultFile missing(path().string() + ".missing"); }, "no such file");
}

TEST_F(ResultFileTest, MovesKeepTheFileOpen) {
  ResultFile first(path());
  ResultFile second(std::move(first));
  EXPECT_TRUE(second.exists("/workers"));
}

}  // namespace
}  // namespace kdsched::io
