#include "io/output_file.hpp"
#include "io/result_file.hpp"

#include "io/expect_error.hpp"
#include "io/temp_dir.hpp"
#include "io/temporary_names.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <regex>

namespace kdsched::io {
namespace {

using testing::dead_pid;
using testing::expect_error;
using testing::expect_io_error;
using testing::host_in_temporary_names;
using testing::TempDir;
using testing::temporary_name;

const std::string unwritable = "/proc/kdsched-x/out.h5";

// The name the temporary of `name` had before it was made unpredictable.
std::string predictable_temporary(const std::string& name) { return name + ".tmp-" + std::to_string(::getpid()); }

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_marker(Group& group, double value) { group.set_attribute("marker", value); }

double read_marker(const std::filesystem::path& path) {
  return std::get<double>(ResultFile(path).attributes("/").at("marker"));
}

TEST(OutputFile, WritesToATemporaryUntilCommitted) {
  TempDir dir;
  OutputFile out(dir / "out.h5", false);
  write_marker(out.root(), 1);
  EXPECT_EQ(out.temporary().parent_path(), dir.path());
  EXPECT_EQ(dir.entries(), std::vector<std::string>{out.temporary().filename()});
  out.commit();
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.h5"});
  EXPECT_EQ(read_marker(dir / "out.h5"), 1);
}

TEST(OutputFile, TheTemporaryNameCannotBePredicted) {
  TempDir dir;
  OutputFile first(dir / "out.h5", false);
  OutputFile second(dir / "out.h5", false);
  const std::regex form("out\\.h5\\.tmp-[A-Za-z0-9._-]+\\." + std::to_string(::getpid()) + "\\.[0-9a-f]{16}");
  EXPECT_TRUE(std::regex_match(first.temporary().filename().string(), form)) << first.temporary();
  EXPECT_NE(first.temporary(), second.temporary());
}

TEST(OutputFile, ALinkAtThePredictableTemporaryNameIsNotFollowed) {
  TempDir dir;
  std::ofstream(dir / "secret") << "not yours";
  std::filesystem::create_symlink(dir / "secret", dir / predictable_temporary("out.h5"));
  OutputFile out(dir / "out.h5", false);
  write_marker(out.root(), 1);
  out.commit();
  EXPECT_EQ(slurp(dir / "secret"), "not yours");
  EXPECT_EQ(read_marker(dir / "out.h5"), 1);
  EXPECT_TRUE(std::filesystem::is_symlink(dir / predictable_temporary("out.h5")));
}

TEST(OutputFile, ALinkAtTheOutputNameIsReplacedNeverWrittenThrough) {
  TempDir dir;
  std::ofstream(dir / "secret") << "not yours";
  std::filesystem::create_directory(dir / "folder");
  std::filesystem::create_symlink(dir / "secret", dir / "to-file.h5");
  std::filesystem::create_symlink(dir / "folder", dir / "to-folder.h5");
  std::filesystem::create_symlink(dir / "absent", dir / "dangling.h5");
  for (const std::string name : {"to-file.h5", "to-folder.h5", "dangling.h5"}) {
    expect_io_error([&] { OutputFile out(dir / name, false); }, "exists; use --force to overwrite");
    expect_io_error([&] { OutputFile::check_writable(dir / name, false); }, "exists; use --force to overwrite");
    OutputFile::check_writable(dir / name, true);
    OutputFile out(dir / name, true);
    write_marker(out.root(), 3);
    out.commit();
    EXPECT_FALSE(std::filesystem::is_symlink(dir / name)) << name;
    EXPECT_EQ(read_marker(dir / name), 3) << name;
  }
  EXPECT_EQ(slurp(dir / "secret"), "not yours");
  EXPECT_TRUE(std::filesystem::is_empty(dir / "folder"));
  EXPECT_FALSE(std::filesystem::exists(dir / "absent"));
}

TEST(OutputFile, StaleTemporariesOfDeadProcessesAreRemoved) {
  TempDir dir;
  const std::string host = host_in_temporary_names();
  const pid_t dead = dead_pid();
  const std::string stale = temporary_name("out.h5", host, dead, 'a');
  const std::string link = temporary_name("out.h5", host, dead, 'b');
  std::vector<std::string> kept{
      link,
      temporary_name("out.h5", host, ::getpid(), 'c'),  // a live process's
      temporary_name("out.h5", "elsewhere", dead, 'd'),  // another host's, whose processes are not visible here
      temporary_name("other.h5", host, dead, 'e'),       // another output's
      "out.h5.tmp-" + std::to_string(dead),              // not of the current form
  };
  std::ofstream(dir / "secret") << "not yours";
  std::filesystem::create_symlink(dir / "secret", dir / link);
  for (std::size_t i = 1; i < kept.size(); ++i) std::ofstream(dir / kept[i]) << "in use";
  std::ofstream(dir / stale) << "left by a killed run";
  // Only root can give a file to another user.
  if (::geteuid() == 0) {
    kept.push_back(temporary_name("out.h5", host, dead, 'f'));
    std::ofstream(dir / kept.back()) << "another user's";
    ASSERT_EQ(::chown((dir / kept.back()).c_str(), 65534, 65534), 0);
  }

  OutputFile out(dir / "out.h5", false);
  std::vector<std::string> expected = kept;
  expected.push_back("secret");
  expected.push_back(out.temporary().filename());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(dir.entries(), expected);
  EXPECT_EQ(slurp(dir / "secret"), "not yours");
}

// A writer in another PID namespace has a pid that looks dead from here; HDF5's lock on the file
// it is writing still says it is in use.
TEST(OutputFile, ALockedTemporaryIsInUseWhateverItsPidSays) {
  TempDir dir;
  const std::string locked = temporary_name("out.h5", host_in_temporary_names(), dead_pid(), 'a');
  std::ofstream(dir / locked) << "being written";
  const int fd = ::open((dir / locked).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  {
    OutputFile out(dir / "out.h5", false);
    EXPECT_TRUE(std::filesystem::exists(dir / locked));
  }
  ::close(fd);
  OutputFile out(dir / "out.h5", false);
  EXPECT_FALSE(std::filesystem::exists(dir / locked)) << "unlocked, and its process gone: stale";
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
  expect_io_error([&] { OutputFile out(dir / "out.h5", false); }, "it is a directory");
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

namespace kdsched::io {
namespace {

TEST(CheckOutputPath, AnOutputThatIsAFileTheJobReadsIsRefusedWhateverItsSpelling) {
  TempDir dir;
  std::ofstream(dir / "in.h5") << "input";
  std::filesystem::create_directory(dir / "sub");
  std::filesystem::create_hard_link(dir / "in.h5", dir / "hard.h5");
  std::filesystem::create_directory_symlink(dir.path(), dir / "alias");
  const std::vector<SourceFile> sources{{"the job file", dir / "job.toml"}, {"input", dir / "in.h5"}};
  for (const std::string output : {"in.h5", "sub/../in.h5", "./in.h5", "hard.h5", "alias/in.h5"}) {
    expect_error<UsageError>([&] { check_output_path(dir.path().string() + "/" + output, sources); },
                             "output '" + dir.path().string() + "/" + output + "' is the same file as input '" +
                                 (dir / "in.h5").string() + "': writing the result would destroy it");
  }
  EXPECT_EQ(slurp(dir / "in.h5"), "input");
}

TEST(CheckOutputPath, OtherOutputsPass) {
  TempDir dir;
  std::ofstream(dir / "in.h5") << "input";
  std::ofstream(dir / "copy.h5") << "input";
  std::filesystem::create_symlink(dir / "in.h5", dir / "link-to-input.h5");
  const std::vector<SourceFile> sources{{"input", dir / "in.h5"}, {"costs_from", ""}};
  check_output_path(dir / "absent.h5", sources);
  check_output_path(dir / "copy.h5", sources);
  // A run replaces the link itself, so the input survives.
  check_output_path(dir / "link-to-input.h5", sources);
  // Named as both the input and the output, the link itself would be replaced.
  const std::vector<SourceFile> the_link{{"input", dir / "link-to-input.h5"}};
  expect_error<UsageError>([&] { check_output_path(dir / "link-to-input.h5", the_link); }, "is the same file as input");
}

TEST(CheckOutputPath, ADirectoryIsRefused) {
  TempDir dir;
  std::filesystem::create_directory(dir / "out.h5");
  expect_io_error([&] { check_output_path(dir / "out.h5", {}); },
                  "cannot write output '" + (dir / "out.h5").string() + "': it is a directory");
}

}  // namespace
}  // namespace kdsched::io
