#pragma once

#include "io/element_type.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace kdsched::testing {

struct Completed {
  int exit_code = -1;
  std::string out;
  std::string err;

  // Lines of stderr that start with "kdsched: error:".
  std::vector<std::string> error_lines() const;
};

// A fresh folder per test, removed afterwards, with helpers to write inputs and run kdsched.
class EndToEnd : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::filesystem::path path(const std::string& name) const { return dir_ / name; }
  std::filesystem::path write_text(const std::string& name, const std::string& text) const;

  // ranks == 0 runs kdsched directly (singleton MPI); otherwise through mpiexec -n ranks.
  Completed run(int ranks, const std::vector<std::string>& args, int timeout_s = 120) const;

  // Runs `script` with sh in the test folder, with $KDSCHED the kdsched binary: for runs that need
  // something done just before kdsched starts (`ln -s ... out.h5.tmp-$$; exec "$KDSCHED" run ...`).
  Completed run_shell(const std::string& script, int timeout_s = 120) const;

  // Files in the test folder whose names start with `prefix` (to catch stray temporaries).
  std::vector<std::string> files_starting_with(const std::string& prefix) const;

  // Writes `text` as job.toml and expects `kdsched validate` to reject it with exit 2 and one
  // error line containing `message` (a located job-file error).
  void expect_validate_error(const std::string& text, const std::string& message) const;

  std::filesystem::path dir_;

 private:
  Completed run_command_line(std::string command) const;
};

// The whole content of a file ("" when it cannot be read).
std::string read_text(const std::filesystem::path& file);

// Writes a rows x cols dataset (cols == 0: 1-D) of `type` holding `values` (row-major).
void write_dataset(const std::filesystem::path& file, const std::string& name, io::ElementType type,
                   std::uint64_t rows, std::uint64_t cols, std::uint64_t chunk_rows, const std::vector<double>& values);

// Rank counts every end-to-end scenario runs at.
inline const std::vector<int> rank_counts{1, 2, 4, 8};

}  // namespace kdsched::testing
