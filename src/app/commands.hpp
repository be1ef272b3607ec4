#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// The subcommands behind main(). Each returns the process exit code; errors that reach them
// are printed by main as "kdsched: error: ...".
namespace kdsched::app {

struct RunOptions {
  std::vector<std::string> jobs;
  bool force = false;   // also discards a journal
  bool resume = false;  // continue from the journal of an interrupted run
  bool no_journal = false;
  std::string progress = "auto";
};
int run_command(const RunOptions& options);

// `force`: check the jobs as `run --force` would run them.
int validate_command(const std::vector<std::string>& jobs, bool force);

struct BlobsOptions {
  std::uint64_t rows = 0;
  std::uint64_t cols = 0;
  std::uint64_t centers = 0;
  std::string dtype = "f64";
  std::optional<std::uint64_t> chunk_rows;
  std::uint64_t seed = 0;
  std::string out;
  std::string dataset = "/points";
  bool force = false;
};
int gen_blobs_command(const BlobsOptions& options);

struct TransactionsOptions {
  std::uint64_t transactions = 0;
  std::uint64_t items = 0;
  double avg_length = 10;
  std::uint64_t patterns = 100;
  std::uint64_t seed = 0;
  std::string out;
  bool force = false;
};
int gen_transactions_command(const TransactionsOptions& options);

struct ImportOptions {
  std::string input;
  std::string out;
  bool force = false;
};
int import_fimi_command(const ImportOptions& options);

int report_command(const std::string& path, bool json);

struct SimulateOptions {
  std::uint32_t workers = 1;
  std::optional<std::uint64_t> partitions;
  std::optional<std::string> cost;        // a spin cost distribution
  std::optional<std::string> costs_from;  // a result file whose measured times are the costs
  std::string chunking = "guided";
  std::uint64_t chunk = 1;
  std::string stealing = "random";
  std::string order = "fifo";
  double latency_us = 1.0;
  double overhead_us = 0.5;
  std::uint64_t seed = 0;
  bool json = false;
  std::vector<std::string> fail;  // RANK@SECONDS
  std::vector<std::string> slow;  // RANK:FACTOR
  std::vector<std::string> stop;  // RANK@SECONDS+SECONDS
  double worker_timeout_s = 60;
  bool no_speculation = false;
};
int simulate_command(const SimulateOptions& options);

// "kdsched: error: MESSAGE" on stderr: the one line a user sees when something goes wrong.
void print_error(const std::string& message);

}  // namespace kdsched::app
