#include "io/input_file.hpp"
#include "io/output_file.hpp"

#include "io/expect_error.hpp"
#include "io/raw_h5.hpp"
#include "io/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <span>
#include <tuple>

namespace kdsched::io {
namespace {

using testing::expect_io_error;
using testing::TempDir;

constexpr ElementType all_types[] = {ElementType::i8,  ElementType::i16, ElementType::i32, ElementType::i64,
                                     ElementType::u8,  ElementType::u16, ElementType::u32, ElementType::u64,
                                     ElementType::f32, ElementType::f64};

bool is_float(ElementType type) { return type == ElementType::f32 || type == ElementType::f64; }
bool is_signed(ElementType type) { return type <= ElementType::i64 || is_float(type); }

// Values every type holds exactly: negatives only for signed types, fractions only for floats.
std::vector<double> sample_values(ElementType type, std::size_t count) {
  std::vector<double> values(count);
  for (std::size_t i = 0; i < count; ++i) {
    values[i] = static_cast<double>(i % 100) - (is_signed(type) ? 50 : 0) + (is_float(type) ? 0.25 : 0);
  }
  return values;
}

// Writes `values` as rows x cols (cols = 0: 1-D) in blocks of 10 rows, as a data generator would.
void write_dataset(const std::filesystem::path& path, ElementType type, std::uint64_t rows, std::uint64_t cols,
                   std::uint64_t chunk_rows, std::span<const double> values) {
  OutputFile out(path, false);
  DatasetWriter writer = out.root().create_dataset("points", type, rows, cols, chunk_rows);
  std::uint64_t width = std::max<std::uint64_t>(cols, 1);
  for (std::uint64_t begin = 0; begin < rows; begin += 10) {
    std::uint64_t end = std::min(begin + 10, rows);
    writer.write_rows(begin, values.subspan(begin * width, (end - begin) * width));
  }
  out.commit();
}

class RoundTrip : public ::testing::TestWithParam<std::tuple<ElementType, bool, bool>> {};

TEST_P(RoundTrip, ReadsBackTheRowsWritten) {
  auto [type, two_dimensional, chunked] = GetParam();
  TempDir dir;
  const std::uint64_t rows = 37;
  const std::uint64_t cols = two_dimensional ? 3 : 0;
  const std::uint64_t width = two_dimensional ? 3 : 1;
  auto values = sample_values(type, rows * width);
  write_dataset(dir / "data.h5", type, rows, cols, chunked ? 8 : 0, values);

  InputFile input(dir / "data.h5");
  DatasetInfo info = input.dataset_info("/points");
  EXPECT_EQ(info.name, "/points");
  EXPECT_EQ(info.type, type);
  auto expected_dims = two_dimensional ? std::vector<std::uint64_t>{rows, 3} : std::vector<std::uint64_t>{rows};
  EXPECT_EQ(info.dims, expected_dims);
  EXPECT_EQ(info.rows(), rows);
  EXPECT_EQ(info.cols(), width);
  EXPECT_EQ(info.row_bytes(), width * element_size(type));
  EXPECT_EQ(info.chunk_rows, chunked ? std::optional<std::uint64_t>(8) : std::nullopt);

  Block block;
  input.read_rows("/points", 11, 29, block);
  EXPECT_EQ(block.rows, 18u);
  EXPECT_EQ(block.cols, width);
  std::vector<double> expected(values.begin() + 11 * width, values.begin() + 29 * width);
  EXPECT_EQ(block.values, expected);
  EXPECT_EQ(block.row(1)[0], values[12 * width]);
}

std::string round_trip_name(const ::testing::TestParamInfo<RoundTrip::ParamType>& info) {
  auto [type, two_dimensional, chunked] = info.param;
  return std::string(to_string(type)) + (two_dimensional ? "_2d" : "_1d") + (chunked ? "_chunked" : "_contiguous");
}

INSTANTIATE_TEST_SUITE_P(EveryType, RoundTrip,
                         ::testing::Combine(::testing::ValuesIn(all_types), ::testing::Bool(), ::testing::Bool()),
                         round_trip_name);

TEST(InputFile, ReadsVectorsAndInt32Rows) {
  TempDir dir;
  {
    OutputFile out(dir / "data.h5", false);
    std::vector<std::int32_t> labels = {3, -1, 4, 1, -5, 9};
    DatasetWriter writer = out.root().create_dataset("labels", ElementType::i32, labels.size(), 0, 4);
    writer.write_rows(0, std::span<const std::int32_t>(labels).first(4));
    writer.write_rows(4, std::span<const std::int32_t>(labels).subspan(4));
    out.commit();
  }
  InputFile input(dir / "data.h5");
  EXPECT_EQ(input.read_vector("labels"), (std::vector<double>{3, -1, 4, 1, -5, 9}));
  EXPECT_EQ(input.dataset_info("labels").chunk_rows, std::optional<std::uint64_t>(4));
}

TEST(InputFile, ChunksLargerThanTheDatasetShrinkToIt) {
  TempDir dir;
  std::vector<double> values(5 * 2, 1.5);
  write_dataset(dir / "data.h5", ElementType::f64, 5, 2, 64, values);
  EXPECT_EQ(InputFile(dir / "data.h5").dataset_info("/points").chunk_rows, std::optional<std::uint64_t>(5));
}

TEST(InputFile, EmptyDatasetsAndRangesReadAsNoRows) {
  TempDir dir;
  write_dataset(dir / "data.h5", ElementType::f32, 0, 4, 16, {});
  InputFile input(dir / "data.h5");
  DatasetInfo info = input.dataset_info("/points");
  EXPECT_EQ(info.dims, (std::vector<std::uint64_t>{0, 4}));
  EXPECT_FALSE(info.chunk_rows.has_value());
  Block block;
  input.read_rows("/points", 0, 0, block);
  EXPECT_EQ(block.rows, 0u);
  EXPECT_EQ(block.cols, 4u);
  EXPECT_TRUE(block.values.empty());
}

TEST(InputFile, MovesKeepTheFileOpen) {
  TempDir dir;
  write_dataset(dir / "data.h5", ElementType::f64, 2, 0, 0, std::vector<double>{1, 2});
  InputFile first(dir / "data.h5");
  InputFile second = std::move(first);
  EXPECT_EQ(second.path(), dir / "data.h5");
  EXPECT_EQ(second.read_vector("/points"), (std::vector<double>{1, 2}));
}

TEST(InputFileErrors, MissingFile) {
  TempDir dir;
  auto path = dir / "missing.h5";
  expect_io_error([&] { InputFile input(path); }, "cannot open '" + path.string() + "': no such file");
}

TEST(InputFileErrors, NotAnHdf5File) {
  TempDir dir;
  std::ofstream(dir / "text.h5") << "not hdf5 at all\n";
  expect_io_error([&] { InputFile input(dir / "text.h5"); }, "not an HDF5 file");
}

TEST(InputFileErrors, ErrorsCarryTheInputOutputExitCode) {
  TempDir dir;
  try {
    InputFile input(dir / "missing.h5");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ExitCode::io);
  }
}

TEST(InputFileErrors, MissingDataset) {
  TempDir dir;
  auto path = dir / "data.h5";
  write_dataset(path, ElementType::f64, 2, 0, 0, std::vector<double>{1, 2});
  InputFile input(path);
  expect_io_error([&] { input.dataset_info("/nope"); }, "dataset '/nope' not found in '" + path.string() + "'");
  expect_io_error([&] { input.dataset_info("/a/b/points"); }, "dataset '/a/b/points' not found");
  expect_io_error([&] { input.dataset_info("/points/inside"); }, "dataset '/points/inside' not found");
  Block block;
  expect_io_error([&] { input.read_rows("/nope", 0, 1, block); }, "dataset '/nope' not found");
}

TEST(InputFileErrors, UnsupportedTypesAndShapes) {
  TempDir dir;
  auto path = dir / "odd.h5";
  {
    h5::Handle file = testing::create_raw(path);
    testing::write_string_dataset(file.get(), "/names");
    std::vector<std::int32_t> cube(2 * 3 * 4, 7);
    testing::write_raw(file.get(), "/cube", H5T_NATIVE_INT32, {2, 3, 4}, cube.data());
  }
  {
    OutputFile out(dir / "table.h5", false);
    std::vector<PartitionRecord> partitions(2);
    out.root().write_partitions("partitions", partitions);
    out.commit();
  }
  InputFile input(path);
  expect_io_error([&] { input.dataset_info("/names"); },
                  "dataset '/names' in '" + path.string() + "' has unsupported type string");
  expect_io_error([&] { input.dataset_info("/cube"); },
                  "dataset '/cube' in '" + path.string() + "' has unsupported shape 2x3x4");
  expect_io_error([&] { InputFile(dir / "table.h5").dataset_info("/partitions"); }, "has unsupported type compound");
}

TEST(InputFileErrors, RowsOutsideTheDataset) {
  TempDir dir;
  write_dataset(dir / "data.h5", ElementType::f64, 4, 2, 0, std::vector<double>(8, 0.5));
  InputFile input(dir / "data.h5");
  Block block;
  expect_io_error([&] { input.read_rows("/points", 2, 5, block); }, "rows [2, 5) are outside dataset '/points'");
  expect_io_error([&] { input.read_rows("/points", 3, 2, block); }, "outside");
  expect_io_error([&] { input.read_vector("/points"); }, "has shape 4x2; expected a 1-D dataset");
}

}  // namespace
}  // namespace kdsched::io
