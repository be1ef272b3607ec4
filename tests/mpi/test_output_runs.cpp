#include "io/result_file.hpp"
#include "io/temporary_names.hpp"
#include "mpi/harness.hpp"

#include <fmt/format.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

// What a run may write: only its output, never through a link, never over a file the job reads,
// never a folder; and what a run killed before it left behind is removed by the next one.
namespace kdsched::testing {
namespace {

namespace fs = std::filesystem;

std::string spin_job(const std::string& output, const std::string& extra = "", const std::string& cost = "const:100") {
  return fmt::format(R"([job]
name = "safe"
output = "{}"
[partition]
range = [0, 4]
[kernel]
name = "spin"
cost = "{}"
mode = "sleep"
{})",
                     output, cost, extra);
}

std::string stats_job(const std::string& output) {
  return fmt::format("[job]\nname = \"stats\"\noutput = \"{}\"\n[input]\nfile = \"in.h5\"\ndataset = \"/points\"\n"
                     "[kernel]\nname = \"stats\"\n",
                     output);
}

std::string status_of(const fs::path& result) {
  return std::get<std::string>(io::ResultFile(result).attributes("/").at("status"));
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct User {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// A user other than the one running the tests, to plant files as another user of a shared folder
// would: kdsched-tester, created when missing, else nobody. Needs root.
std::optional<User> second_user() {
  if (::geteuid() != 0) return std::nullopt;
  if (::getpwnam("kdsched-tester") == nullptr) {
    // Should useradd fail, the user nobody stands in.
    [[maybe_unused]] const int ignored =
        std::system("useradd -r -M -s /usr/sbin/nologin kdsched-tester >/dev/null 2>&1");
  }
  for (const char* name : {"kdsched-tester", "nobody"}) {
    if (const passwd* user = ::getpwnam(name)) return User{user->pw_name, user->pw_uid, user->pw_gid};
  }
  return std::nullopt;
}

using OutputSafety = EndToEnd;

TEST_F(OutputSafety, ALinkPlantedAtThePredictableTemporaryNameIsNotFollowed) {
  write_text("secret", "not yours");
  write_text("job.toml", spin_job("out.h5"));
  // `exec` keeps the shell's pid: the name the temporary of this run had, out.h5.tmp-<pid>.
  const Completed run =
      run_shell("ln -s \"$PWD/secret\" out.h5.tmp-$$ && exec \"$KDSCHED\" run job.toml --progress off");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(read_text(path("secret")), "not yours");
  EXPECT_EQ(status_of(path("out.h5")), "complete");
  EXPECT_EQ(files_starting_with("out.h5.tmp-").size(), 1u) << "the planted link, and no temporary";
}

TEST_F(OutputSafety, AnotherUsersLinkInASharedFolderIsNotFollowed) {
  const auto user = second_user();
  if (!user) GTEST_SKIP() << "needs root, to act as a second user (tests run as uid " << ::geteuid() << ")";
  // A shared folder like /tmp, owned by the other user, who plants the link: even with
  // fs.protected_symlinks, a link owned by the folder's owner is followed there.
  fs::create_directory(path("shared"));
  ASSERT_EQ(::chown(path("shared").c_str(), user->uid, user->gid), 0);
  fs::permissions(path("shared"), fs::perms::all | fs::perms::sticky_bit);
  write_text("secret", "root's own");
  fs::permissions(path("secret"), fs::perms::owner_read | fs::perms::owner_write);
  write_text("job.toml", spin_job("shared/out.h5"));
  const Completed run = run_shell(fmt::format(
      "runuser -u {} -- ln -s \"$PWD/secret\" shared/out.h5.tmp-$$ && exec \"$KDSCHED\" run job.toml --progress off",
      user->name));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(read_text(path("secret")), "root's own");
  EXPECT_EQ(status_of(path("shared/out.h5")), "complete");
  const auto links = files_starting_with("out.h5.tmp-");
  ASSERT_EQ(links.size(), 1u) << "the planted link, and no temporary";
  struct stat planted {};
  ASSERT_EQ(::lstat(path("shared/" + links[0]).c_str(), &planted), 0);
  EXPECT_TRUE(S_ISLNK(planted.st_mode));
  EXPECT_EQ(planted.st_uid, user->uid);
}

TEST_F(OutputSafety, ALinkAtTheOutputNameIsNeverWrittenThrough) {
  write_text("secret", "not yours");
  fs::create_directory(path("folder"));
  fs::create_symlink(path("secret"), path("to-file.h5"));
  fs::create_symlink(path("folder"), path("to-folder.h5"));
  fs::create_symlink(path("absent"), path("dangling.h5"));
  for (const std::string name : {"to-file.h5", "to-folder.h5", "dangling.h5"}) {
    write_text("job.toml", spin_job(name));
    const Completed validated = run(0, {"validate", "job.toml"});
    EXPECT_EQ(validated.exit_code, 0) << validated.err;
    EXPECT_TRUE(contains(validated.out, "(exists: `run` needs --force)")) << name << "\n" << validated.out;
    const Completed refused = run(0, {"run", "job.toml", "--progress", "off"});
    EXPECT_EQ(refused.exit_code, 3) << name << "\n" << refused.err;
    EXPECT_TRUE(contains(refused.err, "exists; use --force to overwrite")) << refused.err;
    EXPECT_TRUE(fs::is_symlink(path(name))) << name;
    const Completed forced = run(2, {"run", "job.toml", "--progress", "off", "--force"});
    EXPECT_EQ(forced.exit_code, 0) << name << "\n" << forced.err;
    EXPECT_FALSE(fs::is_symlink(path(name))) << "the link itself is replaced: " << name;
    EXPECT_EQ(status_of(path(name)), "complete");
  }
  EXPECT_EQ(read_text(path("secret")), "not yours");
  EXPECT_TRUE(fs::is_empty(path("folder")));
  EXPECT_FALSE(fs::exists(path("absent")));
}

class ReadFiles : public EndToEnd {
 protected:
  // validate and run --force both refuse the job before anything runs (exit 2), with a message
  // naming the output and the file it would destroy (as the job file resolves them, relative to
  // its folder, here the current one); that file keeps its bytes.
  void expect_refused(const std::string& output, const std::string& kept, const std::string& message) {
    const std::string before = read_text(path(kept));
    ASSERT_FALSE(before.empty());
    const Completed validated = run(0, {"validate", "job.toml"});
    EXPECT_EQ(validated.exit_code, 2) << output << "\n" << validated.out << validated.err;
    ASSERT_EQ(validated.error_lines().size(), 1u) << validated.err;
    const std::string expected = fmt::format("kdsched: error: output '{}' is the same file as {}",
                                             fs::path(output).lexically_normal().string(), message);
    EXPECT_TRUE(contains(validated.error_lines()[0], expected)) << validated.error_lines()[0] << "\n" << expected;
    EXPECT_TRUE(contains(validated.error_lines()[0], "writing the result would destroy it"));
    for (const int ranks : {0, 2}) {
      const Completed forced = run(ranks, {"run", "job.toml", "--progress", "off", "--force"});
      EXPECT_EQ(forced.exit_code, 2) << output << " at " << ranks << " ranks\n" << forced.err;
      ASSERT_EQ(forced.error_lines().size(), 1u) << forced.err;
      EXPECT_TRUE(contains(forced.error_lines()[0], expected)) << forced.error_lines()[0];
      EXPECT_EQ(read_text(path(kept)), before) << output << " at " << ranks << " ranks";
      EXPECT_TRUE(files_starting_with(fs::path(output).filename().string() + ".tmp-").empty());
    }
  }
};

TEST_F(ReadFiles, TheInputUnderAnAliasOrAHardLink) {
  write_dataset(path("in.h5"), "/points", io::ElementType::f64, 4, 2, 0, {1, 2, 3, 4, 5, 6, 7, 8});
  fs::create_directory(path("sub"));
  fs::create_directory_symlink(dir_, path("alias"));
  fs::create_hard_link(path("in.h5"), path("hard.h5"));
  for (const std::string output : {"./sub/../in.h5", "alias/in.h5", "hard.h5"}) {
    write_text("job.toml", stats_job(output));
    expect_refused(output, "in.h5", "input 'in.h5'");
  }
  // Any other name still runs.
  write_text("job.toml", stats_job("out.h5"));
  const Completed run = this->run(0, {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

TEST_F(ReadFiles, CostsFromTheCommandsFilesAndTheJobFile) {
  write_text("measure.toml", spin_job("measured.h5"));
  ASSERT_EQ(run(0, {"run", "measure.toml", "--progress", "off"}).exit_code, 0);
  write_text("job.toml", spin_job("measured.h5", "[schedule]\norder = \"lpt\"\ncosts_from = \"measured.h5\"\n"));
  expect_refused("measured.h5", "measured.h5", "costs_from 'measured.h5'");

  write_text("a.dat", "first");
  write_text("b.dat", "second");
  write_text("job.toml", "[job]\nname = \"cmd\"\noutput = \"b.dat\"\n[input]\nfiles = [\"a.dat\", \"b.dat\"]\n"
                         "[kernel]\nname = \"command\"\nargv = [\"cat\", \"{file}\"]\n");
  expect_refused("b.dat", "b.dat", "input 'b.dat'");

  write_text("job.toml", spin_job("job.toml"));
  expect_refused("job.toml", "job.toml", "the job file 'job.toml'");
}

TEST_F(OutputSafety, CommandLogsAreNeverWrittenThroughALinkNorIntoAnotherUsersFolder) {
  write_text("secret", "not yours");
  fs::create_directory(path("elsewhere"));
  write_text("job.toml", "[job]\nname = \"cmd\"\noutput = \"r.h5\"\n[partition]\nrange = [0, 2]\n"
                         "[kernel]\nname = \"command\"\nargv = [\"echo\", \"written\"]\n");
  fs::create_directory_symlink(path("elsewhere"), path("r.h5.logs"));
  Completed run = this->run(2, {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(contains(run.err, "2 of 2 partitions failed")) << run.err;
  EXPECT_TRUE(contains(run.err, "cannot write into folder 'r.h5.logs': it is a symbolic link")) << run.err;
  EXPECT_TRUE(fs::is_empty(path("elsewhere")));

  // The run's own folder, with a link planted at one log's name: that partition fails.
  fs::remove(path("r.h5.logs"));
  fs::create_directory(path("r.h5.logs"));
  fs::create_symlink(path("secret"), path("r.h5.logs/partition-000000.out"));
  run = this->run(2, {"run", "job.toml", "--progress", "off", "--force"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(contains(run.err, "1 of 2 partitions failed; the first: partition 0")) << run.err;
  EXPECT_EQ(read_text(path("secret")), "not yours");
  EXPECT_EQ(read_text(path("r.h5.logs/partition-000001.out")), "written\n");

  const auto user = second_user();
  if (!user) GTEST_SKIP() << "needs root, to give the logs folder to a second user (uid " << ::geteuid() << " here)";
  fs::remove_all(path("r.h5.logs"));
  fs::create_directory(path("r.h5.logs"));
  ASSERT_EQ(::chown(path("r.h5.logs").c_str(), user->uid, user->gid), 0);
  run = this->run(2, {"run", "job.toml", "--progress", "off", "--force"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(contains(run.err, "cannot write into folder 'r.h5.logs': it belongs to another user")) << run.err;
  EXPECT_TRUE(fs::is_empty(path("r.h5.logs")));
}

TEST_F(OutputSafety, ImportNeverReplacesItsInput) {
  write_text("baskets.dat", "1 2 3\n2 3\n");
  std::filesystem::create_hard_link(path("baskets.dat"), path("hard.dat"));
  for (const std::string out : {"baskets.dat", "hard.dat"}) {
    const Completed run = this->run(0, {"import", "fimi", "baskets.dat", "--out", out, "--force"});
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_TRUE(contains(run.err, fmt::format("output '{}' is the same file as input 'baskets.dat'", out))) << run.err;
    EXPECT_EQ(read_text(path("baskets.dat")), "1 2 3\n2 3\n");
  }
}

TEST_F(OutputSafety, AnOutputThatIsAFolderIsCaughtBeforeRunning) {
  write_text("job.toml", spin_job("results/"));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"validate", "job.toml"}, {"run", "job.toml", "--progress", "off"}, {"run", "job.toml", "--force"}}) {
    const Completed run = this->run(args[0] == "run" ? 2 : 0, args);
    EXPECT_EQ(run.exit_code, 2) << args.back() << "\n" << run.err;
    ASSERT_EQ(run.error_lines().size(), 1u) << run.err;
    EXPECT_TRUE(contains(run.error_lines()[0], "job.toml:3:10: [job] output 'results/' names a folder"))
        << run.error_lines()[0];
    EXPECT_FALSE(fs::exists(path("results")));
  }

  fs::create_directory(path("existing"));
  write_text("job.toml", spin_job("existing"));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"validate", "job.toml"}, {"run", "job.toml", "--progress", "off"}, {"run", "job.toml", "--force"}}) {
    const Completed run = this->run(args[0] == "run" ? 2 : 0, args);
    EXPECT_EQ(run.exit_code, 3) << args.back() << "\n" << run.err;
    ASSERT_EQ(run.error_lines().size(), 1u) << run.err;
    EXPECT_TRUE(contains(run.error_lines()[0],
                         "cannot write output 'existing': it is a directory"))
        << run.error_lines()[0];
    EXPECT_TRUE(fs::is_empty(path("existing")));
    EXPECT_TRUE(files_starting_with("existing.tmp-").empty());
  }
}

TEST_F(OutputSafety, TheNextRunRemovesWhatARunKilledWithSigkillLeft) {
  write_text("slow.toml", spin_job("results/out.h5", "", "const:60000000"));
  write_text("fast.toml", spin_job("results/out.h5"));
  for (const std::string launcher : {std::string(), fmt::format("'{}' --oversubscribe -n 2 ", KDSCHED_MPIEXEC)}) {
    // The temporary's name holds the pid of the process writing it: rank 0, the one killed.
    const Completed killed = run_shell(launcher + R"("$KDSCHED" run slow.toml --progress off &
until temporary=$(ls results/out.h5.tmp-* 2>/dev/null) && [ -e results/out.h5.journal-wal ]; do sleep 0.05; done
rest=${temporary%.*}
kill -9 ${rest##*.}
wait
ls results)");
    // What the killed run merged stays in its journal; a run of another job over the same
    // output must discard it (--force).
    const std::string journal_files = "out.h5.journal\nout.h5.journal-shm\nout.h5.journal-wal\n";
    if (!launcher.empty()) {
      // mpiexec ends the other ranks with SIGTERM, and a worker removes the temporary then.
      EXPECT_EQ(killed.out, journal_files) << killed.err;
      fs::remove_all(path("results"));
      continue;
    }
    ASSERT_EQ(killed.out.rfind(journal_files, 0), 0u) << killed.out << killed.err;
    const std::string left = killed.out.substr(journal_files.size(), killed.out.find('\n', journal_files.size()) - journal_files.size());
    EXPECT_EQ(left.rfind("out.h5.tmp-", 0), 0u) << launcher << "\n" << killed.out << killed.err;
    const Completed next = run(launcher.empty() ? 0 : 2, {"run", "fast.toml", "--progress", "off", "--force"});
    EXPECT_EQ(next.exit_code, 0) << next.err;
    EXPECT_TRUE(contains(next.err, "removed 'results/" + left + "'")) << next.err;
    std::vector<std::string> listed;
    for (const auto& entry : fs::directory_iterator(path("results"))) listed.push_back(entry.path().filename());
    EXPECT_EQ(listed, std::vector<std::string>{"out.h5"}) << launcher;
    fs::remove(path("results/out.h5"));
  }
}

TEST_F(OutputSafety, ARunRemovesTheTemporariesOfKilledRuns) {
  using io::testing::temporary_name;
  const std::string host = io::testing::host_in_temporary_names();
  const pid_t dead = io::testing::dead_pid();
  fs::create_directory(path("results"));
  const std::string stale = temporary_name("out.h5", host, dead, 'a');
  const std::string link = temporary_name("out.h5", host, dead, 'b');
  std::vector<std::string> kept{
      link,
      temporary_name("out.h5", host, ::getpid(), 'c'),  // a live process's: this test's
      temporary_name("out.h5", "elsewhere", dead, 'd'),  // another host's
  };
  write_text("secret", "not yours");
  fs::create_symlink(path("secret"), path("results/" + link));
  for (std::size_t i = 1; i < kept.size(); ++i) write_text("results/" + kept[i], "in use");
  write_text("results/" + stale, "left by a killed run");
  if (const auto user = second_user()) {
    kept.push_back(temporary_name("out.h5", host, dead, 'e'));
    write_text("results/" + kept.back(), "another user's");
    ASSERT_EQ(::chown(path("results/" + kept.back()).c_str(), user->uid, user->gid), 0);
  }
  write_text("job.toml", spin_job("results/out.h5"));
  const Completed run = this->run(2, {"run", "job.toml", "--progress", "off"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(contains(run.err, fmt::format("removed '{}', left by process {}, which no longer runs",
                                            "results/" + stale, dead)))
      << run.err;

  std::vector<std::string> expected = kept;
  expected.push_back("out.h5");
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> listed;
  for (const auto& entry : fs::directory_iterator(path("results"))) listed.push_back(entry.path().filename());
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, expected);
  EXPECT_EQ(read_text(path("secret")), "not yours");
}

}  // namespace
}  // namespace kdsched::testing
