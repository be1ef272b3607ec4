#include "io/output_file.hpp"
#include "io/result_file.hpp"

#include "io/expect_error.hpp"
#include "io/temp_dir.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

namespace kdsched::io {
namespace {

using testing::expect_error;
using testing::expect_io_error;
using testing::TempDir;

const std::string unwritable = "/proc/kdsched-x/out.h5";

std::string temporary_name(const std::string& name) { return name + ".tmp-" + std::to_string(::getpid()); }

void write_marker(Group& group, double value) { group.set_attribute("marker", value); }

double read_marker(const std::filesystem::path& path) {
  return std::get<double>(ResultFile(path).attributes("/").at("marker"));
}

TEST(OutputFile, WritesToATemporaryUntilCommitted) {
  TempDir dir;
  OutputFile out(dir / "out.h5", false);
  write_marker(out.root(), 1);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{temporary_name("out.h5")});
  out.commit();
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.h5"});
  EXPECT_EQ(read_marker(dir / "out.h5"), 1);
}

TEST(OutputFile, AnUncommittedFileLeavesNothing) {
  TempDir dir;
  {
    OutputFile out(dir / "out.h5", false);
    write_marker(out.root(), 1);
    Group result = out.root().create_group("result");
    result.write("values", std::vector<double>{1, 2, 3});
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(OutputFile, RefusesAnExistingOutputWithoutForce) {
  TempDir dir;
  auto path = dir / "out.h5";
  std::ofstream(path) << "previous result";
  expect_io_error([&] { OutputFile out(path, false); },
                  "output '" + path.string() + "' exists; use --force to overwrite");
  expect_io_error([&] { OutputFile::check_writable(path, false); }, "exists; use --force to overwrite");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.h5"});
}

TEST(OutputFile, OverwritesWithForce) {
  TempDir dir;
  auto path = dir / "out.h5";
  std::ofstream(path) << "previous result";
  OutputFile::check_writable(path, true);
  OutputFile out(path, true);
  write_marker(out.root(), 2);
  out.commit();
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.h5"});
  EXPECT_EQ(read_marker(path), 2);
}

TEST(OutputFile, AnOutputAppearingMeanwhileIsNotOverwritten) {
  TempDir dir;
  auto path = dir / "out.h5";
  OutputFile out(path, false);
  std::ofstream(path) << "another run's result";
  expect_io_error([&] { out.commit(); }, "exists; use --force to overwrite");
}

TEST(OutputFile, CreatesMissingFolders) {
  TempDir dir;
  auto path = dir / "results" / "deep" / "out.h5";
  OutputFile out(path, false);
  out.commit();
  EXPECT_TRUE(std::filesystem::is_regular_file(path));
}

TEST(OutputFile, CommitClosesGroupsAndWritersStillOpen) {
  TempDir dir;
  auto path = dir / "out.h5";
  OutputFile out(path, false);
  Group result = out.root().create_group("result");
  DatasetWriter writer = result.create_dataset("points", ElementType::f32, 2, 2, 1);
  writer.write_rows(0, std::vector<double>{1, 2, 3, 4});
  out.commit();
  EXPECT_EQ(ResultFile(path).read_f64("/result/points"), (std::vector<double>{1, 2, 3, 4}));
  expect_error<RuntimeError>([&] { out.root(); }, "already committed");
}

TEST(OutputFile, UnwritableLocations) {
  expect_io_error([] { OutputFile::check_writable(unwritable, false); }, "cannot write output '" + unwritable + "': ");
  expect_io_error([] { OutputFile out(unwritable, false); }, "cannot write output '" + unwritable + "': ");
  EXPECT_FALSE(std::filesystem::exists("/proc/kdsched-x"));
}

TEST(OutputFile, ADirectoryIsNotOverwrittenEvenWithForce) {
  TempDir dir;
  std::filesystem::create_directory(dir / "out.h5");
  expect_io_error([&] { OutputFile out(dir / "out.h5", true); }, "it is a directory");
}

TEST(OutputFile, CheckWritableLeavesNothingBehind) {
  TempDir dir;
  OutputFile::check_writable(dir / "out.h5", false);
  OutputFile::check_writable(dir / "new" / "folders" / "out.h5", false);
  EXPECT_TRUE(dir.entries().empty());
}

TEST(OutputFile, MisshapenWritesAreInternalErrors) {
  TempDir dir;
  OutputFile out(dir / "out.h5", false);
  expect_error<RuntimeError>(
      [&] {
        out.root().write("grid", std::vector<double>{1, 2, 3}, {2, 2});
      },
      "3 values do not fill the shape of dataset '/grid'");
  DatasetWriter writer = out.root().create_dataset("points", ElementType::f64, 4, 3, 0);
  expect_error<RuntimeError>([&] { writer.write_rows(0, std::vector<double>{1, 2}); }, "do not fit");
  expect_error<RuntimeError>([&] { writer.write_rows(3, std::vector<double>(6, 1.0)); }, "do not fit");
}

TEST(OutputFile, ExistingNamesAreReported) {
  TempDir dir;
  OutputFile out(dir / "out.h5", false);
  out.root().write("values", std::vector<double>{1});
  expect_io_error([&] { out.root().write("values", std::vector<double>{2}); },
                  "cannot write dataset '/values' in '" + (dir / "out.h5").string() + "': ");
}

}  // namespace
}  // namespace kdsched::io
