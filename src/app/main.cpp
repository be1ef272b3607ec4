#include "app/commands.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/version.hpp"
#include "job/job_spec.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <exception>

using namespace kdsched;

namespace {

constexpr const char* log_level_help = "debug, info or warn";

void add_run(CLI::App& cli, app::RunOptions& run, std::string& log_level) {
  auto* command = cli.add_subcommand("run", "Run job files: the master on rank 0, workers on the other ranks");
  command->add_option("jobs", run.jobs, "Job files (TOML), run one after the other")->required();
  auto* force = command->add_flag("--force", run.force, "Overwrite existing output files and discard their journals");
  auto* resume = command->add_flag("--resume", run.resume, "Continue an interrupted run from its journal (<output>.journal)")
                     ->excludes(force);
  command->add_flag("--no-journal", run.no_journal,
                    "Keep no journal: a killed or interrupted run then starts over (for short runs, and benchmarks)")
      ->excludes(resume);
  command->add_option("--progress", run.progress, "Progress display on stderr")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  // Also accepted before `run`; repeated here so that `run --help` shows it.
  command->add_option("--log-level", log_level, log_level_help)->check(CLI::IsMember({"debug", "info", "warn"}));
}

std::vector<std::string> names(std::span<const std::string_view> choices) {
  return {choices.begin(), choices.end()};
}

void add_simulate(CLI::App& cli, app::SimulateOptions& o) {
  auto* command = cli.add_subcommand(
      "simulate", "Predict a schedule: a discrete-event run of the real policy code with virtual workers");
  command->add_option("--workers", o.workers, "Virtual workers")->required()->check(CLI::Range(1u, 1u << 24));
  auto* partitions = command->add_option("--partitions", o.partitions, "Number of partitions (with --cost)")
                         ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 32));
  auto* cost = command->add_option("--cost", o.cost,
                                   "Cost of each partition, as the spin kernel's: const:US, uniform:MIN_US,MAX_US, "
                                   "lognormal:MEAN_US,SIGMA");
  auto* from = command->add_option("--costs-from", o.costs_from,
                                   "A result file: its measured partition times are the costs");
  partitions->needs(cost);
  cost->needs(partitions);
  from->excludes(partitions)->excludes(cost);
  command->add_option("--chunking", o.chunking, "Chunking policy")->check(CLI::IsMember(names(job::chunking_choices())));
  command->add_option("--chunk", o.chunk, "fixed: partitions per grant; guided and the others: the minimum grant")
      ->check(CLI::PositiveNumber);
  command->add_option("--stealing", o.stealing, "Stealing")->check(CLI::IsMember(names(job::stealing_choices())));
  command->add_option("--order", o.order, "Deal order (lpt knows the costs)")
      ->check(CLI::IsMember(names(job::order_choices())));
  command->add_option("--latency-us", o.latency_us, "One-way latency of every message, in microseconds")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--overhead-us", o.overhead_us, "Master time per message received or sent, in microseconds")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--seed", o.seed, "Seed of the costs and of the victims' choice");
  command->add_option("--fail", o.fail, "RANK@T: worker RANK (1 is the first worker) dies T seconds into the run")
      ->take_all();
  command->add_option("--slow", o.slow, "RANK:F: worker RANK runs every partition F times slower")->take_all();
  command->add_option("--stop", o.stop, "RANK@T+D: worker RANK stops T seconds into the run, for D seconds")
      ->take_all();
  command->add_option("--worker-timeout", o.worker_timeout_s, "[faults] worker_timeout, in seconds")
      ->check(CLI::Range(1.0, 1e6));
  command->add_flag("--no-speculation", o.no_speculation, "[faults] speculate = false: no backup copies");
  command->add_flag("--json", o.json, "Print one JSON object");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"kdsched: an MPI batch scheduler for data-mining jobs over HDF5 data", "kdsched"};
  cli.set_version_flag("--version", std::string(kdsched::version));
  cli.require_subcommand(1);
  // Options of the main command (--log-level) may also follow the subcommand.
  cli.fallthrough();
  std::string log_level = "info";
  cli.add_option("--log-level", log_level, log_level_help)->check(CLI::IsMember({"debug", "info", "warn"}));

  app::RunOptions run;
  add_run(cli, run, log_level);

  std::vector<std::string> validate_jobs;
  auto* validate = cli.add_subcommand("validate", "Check job files and their inputs and print the plan; runs nothing");
  validate->add_option("jobs", validate_jobs, "Job files (TOML)")->required();
  bool validate_force = false;
  validate->add_flag("--force", validate_force, "Check as `run --force` would: an existing output will be replaced");

  auto* gen = cli.add_subcommand("gen", "Generate synthetic input data");
  gen->require_subcommand(1);
  app::BlobsOptions blobs;
  auto* gen_blobs = gen->add_subcommand("blobs", "Gaussian blobs around random centers (like sklearn make_blobs)");
  gen_blobs->add_option("--rows", blobs.rows, "Number of points")->required()->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  gen_blobs->add_option("--cols", blobs.cols, "Dimensions per point")->required()->check(CLI::Range(1, 1 << 20));
  gen_blobs->add_option("--centers", blobs.centers, "Number of blobs")->required()->check(CLI::Range(1, 1 << 20));
  gen_blobs->add_option("--dtype", blobs.dtype, "f32 or f64")->check(CLI::IsMember({"f32", "f64"}));
  gen_blobs->add_option("--chunk-rows", blobs.chunk_rows, "HDF5 chunk height (default: about 1 MiB per chunk)")
      ->check(CLI::PositiveNumber);
  gen_blobs->add_option("--seed", blobs.seed, "Random seed");
  gen_blobs->add_option("--out", blobs.out, "Output HDF5 file")->required();
  gen_blobs->add_option("--dataset", blobs.dataset, "Dataset name for the points");
  gen_blobs->add_flag("--force", blobs.force, "Overwrite an existing output file");

  app::TransactionsOptions transactions;
  auto* gen_transactions =
      gen->add_subcommand("transactions", "Market-basket transactions with embedded patterns (IBM Quest style)");
  gen_transactions->add_option("--transactions", transactions.transactions, "Number of transactions")
      ->required()
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 34));
  gen_transactions->add_option("--items", transactions.items, "Number of distinct items")
      ->required()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  gen_transactions->add_option("--avg-length", transactions.avg_length, "Average items per transaction")
      ->required()
      ->check(CLI::Range(1.0, 1e6));
  gen_transactions->add_option("--patterns", transactions.patterns, "Number of embedded patterns (default 100)");
  gen_transactions->add_option("--seed", transactions.seed, "Random seed");
  gen_transactions->add_option("--out", transactions.out, "Output HDF5 file")->required();
  gen_transactions->add_flag("--force", transactions.force, "Overwrite an existing output file");

  app::ImportOptions import_options;
  auto* import = cli.add_subcommand("import", "Convert data from other tools into kdsched's inputs");
  import->require_subcommand(1);
  auto* import_fimi = import->add_subcommand("fimi", "FIMI text (one transaction per line) to CSR HDF5");
  import_fimi->add_option("file", import_options.input, "FIMI .dat file")->required();
  import_fimi->add_option("--out", import_options.out, "Output HDF5 file")->required();
  import_fimi->add_flag("--force", import_options.force, "Overwrite an existing output file");

  std::string report_path;
  bool report_json = false;
  auto* report = cli.add_subcommand("report", "Summarize a result file: status, timings, load balance, result");
  report->add_option("result", report_path, "Result file (HDF5)")->required();
  report->add_flag("--json", report_json, "Print JSON instead of text");

  app::SimulateOptions simulate;
  add_simulate(cli, simulate);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    app::print_error(e.what());
    std::fputs("Run 'kdsched --help' for usage.\n", stderr);
    return static_cast<int>(ExitCode::usage);
  }

  try {
    log::set_level(log::parse_level(log_level));
    if (cli.got_subcommand("run")) return app::run_command(run);
    if (cli.got_subcommand("validate")) return app::validate_command(validate_jobs, validate_force);
    if (gen->got_subcommand("blobs")) return app::gen_blobs_command(blobs);
    if (gen->got_subcommand("transactions")) return app::gen_transactions_command(transactions);
    if (import->got_subcommand("fimi")) return app::import_fimi_command(import_options);
    if (cli.got_subcommand("report")) return app::report_command(report_path, report_json);
    if (cli.got_subcommand("simulate")) return app::simulate_command(simulate);
  } catch (const Error& e) {
    app::print_error(e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    app::print_error(e.what());
    return static_cast<int>(ExitCode::runtime);
  }
  return static_cast<int>(ExitCode::usage);
}
