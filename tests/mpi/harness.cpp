#include "mpi/harness.hpp"

#include "io/output_file.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace kdsched::testing {
namespace {

std::string quote(const std::string& word) {
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Completed::error_lines() const {
  std::vector<std::string> lines;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("kdsched: error:", 0) == 0) lines.push_back(line);
  }
  return lines;
}

void EndToEnd::SetUp() {
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = fmt::format("kdsched-e2e-{}-{}-{}", info->test_suite_name(), info->name(), getpid());
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  dir_ = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
}

void EndToEnd::TearDown() {
  if (!HasFailure()) std::filesystem::remove_all(dir_);
}

std::filesystem::path EndToEnd::write_text(const std::string& name, const std::string& text) const {
  const auto file = path(name);
  std::ofstream(file) << text;
  return file;
}

Completed EndToEnd::run(int ranks, const std::vector<std::string>& args, int timeout_s) const {
  std::string command = fmt::format("cd {} && timeout -k 5 {} ", quote(dir_.string()), timeout_s);
  if (ranks > 0) command += fmt::format("{} --oversubscribe -n {} ", quote(KDSCHED_MPIEXEC), ranks);
  command += quote(KDSCHED_BINARY);
  for (const auto& arg : args) command += " " + quote(arg);
  return run_command_line(std::move(command));
}

Completed EndToEnd::run_shell(const std::string& script, int timeout_s) const {
  return run_command_line(fmt::format("cd {} && KDSCHED={} timeout -k 5 {} sh -c {}", quote(dir_.string()),
                                      quote(KDSCHED_BINARY), timeout_s, quote(script)));
}

Completed EndToEnd::run_command_line(std::string command) const {
  const auto out = path("stdout.txt");
  const auto err = path("stderr.txt");
  command += fmt::format(" >{} 2>{} </dev/null", quote(out.string()), quote(err.string()));
  const int status = std::system(command.c_str());
  Completed completed;
  completed.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  completed.out = read_text(out);
  completed.err = read_text(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return completed;
}

std::vector<std::string> EndToEnd::files_starting_with(const std::string& prefix) const {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  return names;
}

void EndToEnd::expect_validate_error(const std::string& text, const std::string& message) const {
  write_text("job.toml", text);
  const Completed run = this->run(0, {"validate", "job.toml"});
  EXPECT_EQ(run.exit_code, 2) << text << run.err;
  ASSERT_EQ(run.error_lines().size(), 1u) << text << run.out << run.err;
  EXPECT_NE(run.error_lines()[0].find(message), std::string::npos) << run.err;
}

void write_dataset(const std::filesystem::path& file, const std::string& name, io::ElementType type,
                   std::uint64_t rows, std::uint64_t cols, std::uint64_t chunk_rows, const std::vector<double>& values) {
  io::OutputFile output(file, true);
  auto writer = output.root().create_dataset(name, type, rows, cols, chunk_rows);
  if (rows > 0) writer.write_rows(0, values);
  output.commit();
}

}  // namespace kdsched::testing
