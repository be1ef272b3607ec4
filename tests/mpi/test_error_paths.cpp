#include "io/output_file.hpp"
#include "io/raw_h5.hpp"
#include "io/result_file.hpp"
#include "mpi/harness.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <fstream>

namespace kdsched::testing {
namespace {

std::string stats_job(const std::string& file, const std::string& dataset) {
  return fmt::format(R"([job]
name = "stats"
output = "result.h5"
[input]
file = "{}"
dataset = "{}"
[kernel]
name = "stats"
)", file, dataset);
}

// An error must end every rank with the documented code, one line from rank 0, and no file
// under the output name (nor a leftover temporary).
class ErrorPath : public EndToEnd, public ::testing::WithParamInterface<int> {
 protected:
  void expect_clean_failure(int exit_code, const std::string& message_part,
                            const std::vector<std::string>& extra_args = {}) {
    std::vector<std::string> args{"run", "job.toml", "--progress", "off"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    const auto start = std::chrono::steady_clock::now();
    const Completed run = this->run(GetParam(), args, 60);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(run.exit_code, exit_code) << run.err;
    const auto errors = run.error_lines();
    ASSERT_EQ(errors.size(), 1u) << run.err;
    EXPECT_NE(errors[0].find(message_part), std::string::npos) << errors[0];
    EXPECT_LT(seconds, 30.0);
    EXPECT_FALSE(std::filesystem::exists(path("result.h5")));
    EXPECT_TRUE(files_starting_with("result.h5.tmp").empty());
  }

  void write_points() {
    write_dataset(path("data.h5"), "/points", io::ElementType::f64, 100, 2, 10, std::vector<double>(200, 1.0));
  }
};

TEST_P(ErrorPath, SyntaxErrorInTheJobFile) {
  write_text("job.toml", "[job]\nname = \"x\"\noutput = \"result.h5\"\n[kernel\nname = \"stats\"\n");
  expect_clean_failure(2, "job.toml:4:");
}

TEST_P(ErrorPath, UnknownKeyWithSuggestion) {
  write_points();
  write_text("job.toml", stats_job("data.h5", "/points") + "[schedule]\nchunkin = \"guided\"\n");
  expect_clean_failure(2, "did you mean 'chunking'");
}

TEST_P(ErrorPath, MissingInputFile) {
  write_text("job.toml", stats_job("absent.h5", "/points"));
  expect_clean_failure(3, "absent.h5");
}

TEST_P(ErrorPath, MissingDataset) {
  write_points();
  write_text("job.toml", stats_job("data.h5", "/nothing"));
  expect_clean_failure(3, "/nothing");
}

TEST_P(ErrorPath, UnsupportedDatasetType) {
  {
    io::OutputFile file(path("data.h5"), true);
    file.root().set_attribute("note", std::string("no numeric data here"));
    file.root().create_group("points");
    file.commit();
  }
  write_text("job.toml", stats_job("data.h5", "/points"));
  expect_clean_failure(3, "/points");
}

TEST_P(ErrorPath, UnwritableOutput) {
  write_points();
  // The output's folder is a regular file: nothing can be created under it.
  write_text("blocker", "a file where the output folder should be");
  write_text("job.toml", "[job]\nname = \"stats\"\noutput = \"blocker/result.h5\"\n[input]\nfile = \"data.h5\"\n"
                         "dataset = \"/points\"\n[kernel]\nname = \"stats\"\n");
  expect_clean_failure(3, "blocker/result.h5");
}

TEST_P(ErrorPath, ExistingOutputNeedsForce) {
  write_points();
  write_text("job.toml", stats_job("data.h5", "/points"));
  write_text("result.h5", "precious");
  const Completed refused = this->run(GetParam(), {"run", "job.toml", "--progress", "off"}, 60);
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_EQ(refused.error_lines().size(), 1u) << refused.err;
  EXPECT_NE(refused.err.find("--force"), std::string::npos);
  const Completed forced = this->run(GetParam(), {"run", "job.toml", "--progress", "off", "--force"}, 60);
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
}

TEST_P(ErrorPath, BadKernelParameter) {
  write_text("job.toml", "[job]\nname = \"s\"\noutput = \"result.h5\"\n[partition]\nrange = [0, 10]\n"
                         "[kernel]\nname = \"spin\"\ncost = \"gamma:1\"\n");
  expect_clean_failure(2, "job.toml:8:8: [kernel] cost");
}

using ValidateErrors = EndToEnd;

// Numbers that overflow are located job-file errors at validate time: before, a histogram range
// whose width is inf made NaN edges, and a spin cost beyond a nanosecond clock overflowed it.
TEST_F(ValidateErrors, OverflowingRangesAndCostsAreLocated) {
  write_dataset(path("data.h5"), "/points", io::ElementType::f64, 100, 2, 10, std::vector<double>(200, 1.0));
  std::vector<double> costs(10, 0.001);
  costs[7] = INFINITY;
  write_dataset(path("data.h5.costs"), "/costs", io::ElementType::f64, 10, 0, 0, costs);
  const std::string histogram = "[job]\nname = \"h\"\noutput = \"result.h5\"\n[input]\nfile = \"data.h5\"\n"
                                "dataset = \"/points\"\n[kernel]\nname = \"histogram\"\n";
  const std::string spin = "[job]\nname = \"s\"\noutput = \"result.h5\"\n[partition]\nrange = [0, 10]\n"
                           "[kernel]\nname = \"spin\"\n";
  const std::pair<std::string, std::string> cases[] = {
      {histogram + "range = [-1e308, 1e308]\n", "job.toml:9:9: [kernel] range is too wide: hi - lo overflows"},
      {histogram + "bins = 1000\nrange = [1e16, 1.0000000000000002e16]\n",
       "job.toml:10:9: [kernel] range is too narrow for 1000 bins"},
      {histogram + "bins = 1000\nrange = [0, 5e-322]\n", "job.toml:10:9: [kernel] range is too narrow for 1000 bins"},
      {spin + "cost = \"const:1e300\"\n", "job.toml:8:8: [kernel] cost 'const:1e300' can draw 1e+300 us"},
      {spin + "cost = \"lognormal:1e6,8\"\n", "job.toml:8:8: [kernel] cost 'lognormal:1e6,8' can draw"},
      {"[job]\nname = \"s\"\noutput = \"result.h5\"\n[input]\nfile = \"data.h5.costs\"\ndataset = \"/costs\"\n"
       "[partition]\nrows = 1\n[kernel]\nname = \"spin\"\ncosts_dataset = \"/costs\"\n",
       "job.toml:11:17: [kernel] '/costs' gives partition 7 a cost of inf s"},
  };
  for (const auto& [text, message] : cases) expect_validate_error(text, message);
}

namespace h5 = io::h5;

// A deflate-compressed 2-D dataset of 4000 x 3 values in chunks of 500 rows, with the bytes of
// chunk 3 (rows 1500..2000) overwritten on disk: HDF5's inflate fails on them.
void write_corrupt_chunk(const std::filesystem::path& file) {
  constexpr hsize_t rows = 4000, cols = 3, chunk_rows = 500;
  std::vector<double> values(rows * cols);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i % 97) * 0.25 + static_cast<double>(i % 3) * 40;
  haddr_t offset = 0;
  hsize_t size = 0;
  {
    const h5::Handle out = io::testing::create_raw(file);
    const hsize_t dims[2] = {rows, cols}, chunk[2] = {chunk_rows, cols};
    const h5::Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose, "space");
    const h5::Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "properties");
    h5::check(H5Pset_chunk(properties.get(), 2, chunk), "chunk");
    h5::check(H5Pset_deflate(properties.get(), 6), "deflate");
    const h5::Handle dataset(H5Dcreate2(out.get(), "/points", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, properties.get(),
                                        H5P_DEFAULT),
                             H5Dclose, "create");
    h5::check(H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "write");
    h5::check(H5Dflush(dataset.get()), "flush");
    const hsize_t origin[2] = {3 * chunk_rows, 0};
    h5::check(H5Dget_chunk_info_by_coord(dataset.get(), origin, nullptr, &offset, &size), "chunk info");
  }
  ASSERT_GT(size, 16u);
  std::fstream bytes(file, std::ios::in | std::ios::out | std::ios::binary);
  bytes.seekp(static_cast<std::streamoff>(offset + size / 4));
  const std::string garbage(size / 2, '\x5a');
  bytes.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  ASSERT_TRUE(bytes.good());
}

// A corrupt chunk fails the partitions that read it, with HDF5's own reason, for every kernel
// that reads rows: exit 1 and a partial result (spec §6, §8). Before, k-means ended with exit 4
// and "0 values do not fill the shape" (its result assumed the seeding had finished).
TEST_P(ErrorPath, CorruptCompressedChunk) {
  write_corrupt_chunk(path("data.h5"));
  for (const std::string kernel : {"\"stats\"", "\"kmeans\"\nk = 3", "\"kmeans\"\nk = 3\ninit = \"random\""}) {
    SCOPED_TRACE(kernel);
    write_text("job.toml", "[job]\nname = \"c\"\noutput = \"result.h5\"\n[input]\nfile = \"data.h5\"\n"
                           "dataset = \"/points\"\n[partition]\nrows = 500\n[kernel]\nname = " + kernel + "\n");
    const Completed run = this->run(GetParam(), {"run", "job.toml", "--force", "--progress", "off"}, 60);
    EXPECT_EQ(run.exit_code, 1) << run.err;
    ASSERT_EQ(run.error_lines().size(), 1u) << run.err;
    EXPECT_NE(run.error_lines()[0].find("partition 3 (rows 1500..2000)"), std::string::npos) << run.err;
    EXPECT_NE(run.error_lines()[0].find("cannot read rows [1500, 2000) of dataset '/points' in 'data.h5': "
                                        "unable to initialize object (inflate() failed)"),
              std::string::npos)
        << run.err;
    const io::ResultFile result(path("result.h5"));
    EXPECT_EQ(std::get<std::string>(result.attributes("/").at("status")), "partial");
    if (kernel.starts_with("\"kmeans\"")) {
      EXPECT_TRUE(std::isnan(std::get<double>(result.attributes("/result").at("inertia"))));
      for (const double c : result.read_f64("/result/centroids")) EXPECT_TRUE(std::isnan(c));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ranks, ErrorPath, ::testing::Values(0, 1, 4), [](const auto& info) {
  return info.param == 0 ? std::string("singleton") : fmt::format("n{}", info.param);
});

}  // namespace
}  // namespace kdsched::testing
