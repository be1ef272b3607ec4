#include "app/commands.hpp"
#include "common/error.hpp"
#include "common/interrupt.hpp"
#include "common/log.hpp"
#include "common/process_identity.hpp"
#include "common/text.hpp"
#include "io/library_gate.hpp"
#include "journal/journal.hpp"
#include "kernels/registry.hpp"
#include "master/master.hpp"
#include "master/result_writer.hpp"
#include "protocol/endpoint.hpp"
#include "protocol/worker_record.hpp"
#include "scheduling/backoff.hpp"
#include "worker/worker.hpp"

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mpi.h>
#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace kdsched::app {
namespace {

namespace mpi = boost::mpi;
using Clock = std::chrono::steady_clock;

// How long a drain may take: mpirun sends SIGKILL about a second after SIGTERM.
constexpr std::chrono::milliseconds drain_deadline{800};

// A job every rank has built from the same text: its plan and its kernel; on the master, the
// order of the deal too.
struct LoadedJob {
  kernels::JobPlan plan;
  std::unique_ptr<kernels::Kernel> kernel;
  scheduling::DealOrder order;
};


LoadedJob load(job::JobSpec spec) {
  kernels::JobPlan plan = kernels::make_job_plan(std::move(spec));
  auto kernel = kernels::make_kernel(plan);
  return {std::move(plan), std::move(kernel), {}};
}

int code_of(const std::exception& error) {
  if (const auto* known = dynamic_cast<const Error*>(&error)) return static_cast<int>(known->code());
  return static_cast<int>(ExitCode::runtime);
}

// Ends the process without unwinding: after an error, a worker's executor may still be inside a
// kernel that cannot be interrupted. MPI_Finalize waits for every rank, and one that is stopped or
// gone would hold it forever, so it gets a few seconds; it also shuts HDF5 down, so it waits for
// the executor to be out of HDF5 (io::library_gate), and is skipped if that takes too long. An
// interrupted run has no seconds to spare (mpirun sends SIGKILL one second after SIGTERM) and
// nothing left to say to anyone: it ends at once.
[[noreturn]] void finalize_and_exit(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  if (code == static_cast<int>(ExitCode::interrupted)) std::_Exit(code);
  std::thread([code] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    std::_Exit(code);
  }).detach();
  // Polled with try_lock rather than a timed lock, which ThreadSanitizer cannot follow.
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  bool gate_taken = false;
  while (!(gate_taken = io::library_gate().try_lock()) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (gate_taken) MPI_Finalize();
  std::_Exit(code);
}

// A worker that cannot go on tells the master, which aborts every rank with the error's code;
// should the Abort not come (the master is gone too), the worker ends by itself.
[[noreturn]] void fail_worker(protocol::Endpoint& endpoint, const std::exception& error) {
  const int code = code_of(error);
  try {
    endpoint.send(master_rank, protocol::Fatal{code, error.what()});
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline) {
      if (const auto* envelope = endpoint.poll(); envelope && envelope->tag == protocol::Tag::abort) {
        finalize_and_exit(envelope->as<protocol::Abort>().exit_code);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  } catch (...) {
  }
  finalize_and_exit(code);
}

std::string run_status(std::uint64_t failed, std::uint64_t total) {
  if (failed == 0) return "complete";
  return failed == total ? "failed" : "partial";
}

// CPU seconds this process has used, user and system.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The job's journal, and whether the run continues one (see check_journal).
struct JobJournal {
  std::unique_ptr<journal::Journal> journal;
  bool resumed = false;
};

// Applies the rules of `run --resume` and `--force` to the journal beside the job's output and
// opens the one to continue, before anything is written: a refused run changes nothing.
JobJournal check_journal(const kernels::JobPlan& plan, const std::string& job_path, const RunOptions& options) {
  const std::filesystem::path path = journal::Journal::path_for(plan.spec.output);
  JobJournal result;
  if (!journal::Journal::exists(path)) return result;
  if (options.force) {
    journal::Journal::remove(path);
    return result;
  }
  if (!options.resume) {
    throw UsageError(fmt::format("{} holds an interrupted run of {}: run it with --resume to continue it, or with "
                                 "--force to discard the journal and start over",
                                 path.string(), job_path));
  }
  result.journal = std::make_unique<journal::Journal>(path);
  journal::Journal& journal = *result.journal;
  const std::optional<std::string> text = journal.job_text();
  if (text && *text != plan.spec.text) {
    throw UsageError(fmt::format("{} was written by a different job text than {} has now: restore that text to "
                                 "resume, or run with --force to discard the journal",
                                 path.string(), job_path));
  }
  // A journal created but never given its job (killed at once) has nothing to continue.
  result.resumed = text.has_value();
  if (!text) journal.set_job_text(plan.spec.text);
  return result;
}

// A run that continues no journal starts one (unless --no-journal); called once the output is known to be writable,
// so that a refused run leaves no journal behind.
void start_journal(const kernels::JobPlan& plan, JobJournal& journal, const RunOptions& options) {
  if (journal.journal || options.no_journal) return;
  journal.journal = std::make_unique<journal::Journal>(journal::Journal::path_for(plan.spec.output));
  journal.journal->set_job_text(plan.spec.text);
}

// Closed first, so that SQLite does not write its WAL again after the removal.
void remove_journal(JobJournal& journal) {
  if (!journal.journal) return;
  const std::filesystem::path path = journal.journal->path();
  journal.journal.reset();
  journal::Journal::remove(path);
}

// The signal handler has printed its line for an interrupted run already.
void report(const std::exception& error) {
  if (dynamic_cast<const interrupt::Interrupted*>(&error) == nullptr) print_error(error.what());
}

// How a job ended on this rank. After a lost rank no collective can complete, so the process
// must end: MPI_Finalize may hang after a death, and no further job of the batch runs.
struct JobEnd {
  int code = 0;
  bool rank_lost = false;
  // This worker's executor is still inside a kernel: the process ends without unwinding.
  bool kernel_left_running = false;
  // On the master: the ranks that can run no further job (lost, or with a kernel left running),
  // which are lost, and its workers on this host.
  std::vector<Rank> unable = {};
  std::vector<bool> lost = {};
  std::vector<ProcessStat> local_workers = {};
  std::vector<protocol::Hello> identities = {};
  double worker_timeout_s = 0;  // the job's
};

// MPI_Finalize waits for every rank: one stopped after the job's last handshake would hold this
// process, and the launcher, forever. While it runs, a thread kills the workers of this host that
// are stopped, and ends the process should it still run after a few seconds.
void guard_finalize(std::vector<ProcessStat> local_workers, int code) {
  std::thread([local_workers = std::move(local_workers), code] {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      for (const auto& worker : local_workers) kill_if_same(worker.pid, worker.start_ticks, true);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(code);
  }).detach();
}

JobEnd run_master(protocol::Endpoint& endpoint, LoadedJob& job, master::ResultWriter& writer, JobJournal& journal,
                  Clock::time_point start, const RunOptions& options, std::vector<protocol::Hello> identities) {
  const mpi::communicator& comm = endpoint.world();
  // From here until the result is committed, a signal drains: what has been merged is made
  // durable before the process ends, within mpirun's second between SIGTERM and SIGKILL.
  const interrupt::Drain drain(drain_deadline);
  const std::string created = master::utc_now();
  const double cpu_at_start = cpu_seconds();
  master::Progress progress(master::parse_progress_mode(options.progress), job.plan.partitions.count());
  master::ResultCollector results(job.plan, *job.kernel, progress);
  Bytes round_state;
  const auto resume = [&] {
    if (journal.resumed) {
      std::vector<journal::Entry> entries = journal.journal->entries();
      results.replay(entries, round_state);
      log::info("{}: {} partition outcomes from {}", job.plan.spec.name, results.from_journal(),
                journal.journal->path().string());
    }
    if (journal.journal) results.journal_to(*journal.journal, job.plan.spec.faults.checkpoint_s);
  };
  // An error the master finds in the job or its input (exit 2 or 3) removes the journal: one of
  // them must change, and continuing would mix results of other data. Any other error (a lost
  // worker, an internal error, a worker's own failure, which may be its node's) keeps what was
  // merged, for --resume.
  const auto settle_journal = [&](const std::exception& error) {
    const int code = code_of(error);
    const bool job_or_input = code == static_cast<int>(ExitCode::usage) || code == static_cast<int>(ExitCode::io);
    try {
      if (job_or_input && dynamic_cast<const master::WorkerFatal*>(&error) == nullptr) {
        results.close_journal();
        remove_journal(journal);
      } else {
        results.flush_journal();
      }
    } catch (const std::exception& error) {
      print_error(error.what());
    }
  };

  master::RunFacts facts;
  facts.created_utc = created;
  facts.mpi_ranks = comm.size();
  io::WorkerRecord own;
  std::optional<master::Master> master;
  if (comm.size() == 1) {
    facts.workers = 1;
    try {
      resume();
      own = master::run_alone(job.plan, *job.kernel, results, start);
    } catch (const std::exception& error) {
      progress.finish();
      report(error);
      settle_journal(error);
      return {code_of(error)};
    }
  } else {
    facts.workers = comm.size() - 1;
    master.emplace(endpoint, job.plan, results, std::move(job.order));
    if (!identities.empty()) master->know(std::move(identities));
    try {
      resume();
      master->run(std::move(round_state));
      facts.master_peak_send_bytes = endpoint.peak_bytes_in_flight();
    } catch (const std::exception& error) {
      progress.finish();
      report(error);
      settle_journal(error);
      writer.discard();
      master->abort(code_of(error));
      finalize_and_exit(code_of(error));
    }
  }
  progress.finish();
  facts.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  facts.master_cpu_seconds = cpu_seconds() - cpu_at_start;
  own.rank = master_rank;
  own.hostname = mpi::environment::processor_name();
  own.idle_s = std::max(0.0, facts.wall_seconds - own.busy_s);
  facts.workers_table.push_back(own);
  if (master) {
    try {
      for (auto& record : master->collect_records()) facts.workers_table.push_back(std::move(record));
    } catch (const std::exception& error) {
      report(error);
      settle_journal(error);
      writer.discard();
      master->abort(code_of(error));
      finalize_and_exit(code_of(error));
    }
  }
  facts.finished_utc = master::utc_now();
  facts.partitions = results.records();
  facts.merge_peak_waiting = results.peak_waiting();
  facts.rounds = results.rounds();
  facts.status = run_status(results.failed(), job.plan.partitions.count());
  facts.resumed = journal.resumed;
  facts.partitions_from_journal = results.from_journal();
  facts.duplicates = results.duplicates();
  if (master) {
    facts.lost_workers = master->lost_workers();
    facts.copies = master->backups();
  }

  int code = 0;
  try {
    if (const int signal = interrupt::drain_requested()) throw interrupt::Interrupted(signal);
    writer.finish(*job.kernel, facts);
    if (results.failed() > 0) {
      print_error(fmt::format("{} of {} partitions failed; the first: {}", results.failed(),
                              job.plan.partitions.count(), results.first_failure()));
      code = static_cast<int>(ExitCode::failed_partitions);
    } else {
      log::info("{}: {} partitions complete in {:.3f} s; result in {}", job.plan.spec.name,
                job.plan.partitions.count(), facts.wall_seconds, job.plan.spec.output.string());
    }
    // The run is finished, failed partitions included: there is nothing left to resume.
    results.close_journal();
    remove_journal(journal);
  } catch (const std::exception& error) {
    report(error);
    code = code_of(error);
    if (code == static_cast<int>(ExitCode::interrupted)) settle_journal(error);
  }
  if (!master) return {code};
  master->finish(code);
  return {code,
          master->lost_workers() > 0,
          false,
          master->unable_to_go_on(),
          master->lost_ranks(),
          master->local_workers(),
          master->identities()};
}

JobEnd run_worker(protocol::Endpoint& endpoint, const protocol::JobAnnouncement& announcement,
                  Clock::time_point start) {
  const interrupt::RemoveOnSignal remove_output(announcement.temporary);
  // A signal makes the worker wait for the master's Abort (see Worker), within the deadline.
  const interrupt::Drain drain(drain_deadline);
  // On the heap, and never destroyed on the error path or when the executor stays inside a
  // kernel: the executor thread may still be using them.
  std::unique_ptr<LoadedJob> job;
  std::unique_ptr<worker::Worker> worker;
  std::optional<int> abort_code;
  try {
    job = std::make_unique<LoadedJob>(load(job::parse_job_text(announcement.job_text, announcement.job_path)));
    worker = std::make_unique<worker::Worker>(endpoint, job->plan, *job->kernel, start);
    abort_code = worker->run();
  } catch (const std::exception& error) {
    fail_worker(endpoint, error);
  }
  if (abort_code) finalize_and_exit(*abort_code);
  std::optional<int> code;
  try {
    code = worker->finish();
  } catch (const std::exception& error) {
    fail_worker(endpoint, error);
  }
  if (!code) finalize_and_exit(static_cast<int>(ExitCode::runtime));
  JobEnd end{*code, worker->saw_a_loss(), worker->left_a_kernel_running()};
  end.worker_timeout_s = job->plan.spec.faults.worker_timeout_s;
  if (end.kernel_left_running) {
    static_cast<void>(worker.release());
    static_cast<void>(job.release());
  }
  return end;
}

// What the ranks carry from one job of a batch to the next.
struct Batch {
  int worst = 0;
  bool ended = false;
  bool rank_lost = false;
  bool kernel_left_running = false;
  // On the master: non-zero once the batch must end, which the next announcement says; the ranks
  // lost so far, to which nothing is sent; its workers on this host.
  int stop_code = 0;
  std::vector<bool> lost = {};
  std::vector<ProcessStat> local_workers = {};
  std::vector<protocol::Hello> identities = {};
  // On a worker: how long to wait for the next announcement (the master validates the job, and
  // before that writes the last one's result, without a word), so that a worker whose master
  // died ends by itself.
  std::chrono::duration<double> announcement_wait{10 * job::FaultSpec{}.worker_timeout_s};
};

// A worker may have stopped since the last job, unknown to the master until this one finds it
// silent: the announcement must not wait for it.
void announce(protocol::Endpoint& endpoint, const protocol::JobAnnouncement& announcement, const Batch& batch) {
  for (Rank rank = 1; rank < endpoint.size(); ++rank) {
    if (batch.lost.empty() || !batch.lost[static_cast<std::size_t>(rank)]) endpoint.send_nonblocking(rank, announcement);
  }
}

std::optional<protocol::JobAnnouncement> await_announcement(protocol::Endpoint& endpoint, const Batch& batch) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(batch.announcement_wait);
  scheduling::Backoff backoff = scheduling::message_polling();
  while (Clock::now() < deadline) {
    if (const auto* envelope = endpoint.poll(protocol::Tag::job)) return envelope->as<protocol::JobAnnouncement>();
    std::this_thread::sleep_for(std::max(backoff.next(), std::chrono::duration_cast<scheduling::Backoff::Duration>(
                                                             std::chrono::microseconds(100))));
  }
  log::warn("the master (rank {}) announced no job within {:g} s; this worker exits", master_rank,
            batch.announcement_wait.count());
  return std::nullopt;
}

// The master validates the job and announces it (or the end of the batch); the job then runs
// over `comm`, its own communicator. `left`: how many jobs of the batch follow this one.
void run_job(const mpi::communicator& comm, const std::string& path, const RunOptions& options, std::size_t left,
             Batch& batch) {
  protocol::Endpoint endpoint(comm);
  protocol::JobAnnouncement announcement;
  if (comm.rank() != master_rank) {
    auto announced = await_announcement(endpoint, batch);
    if (!announced) {
      batch.worst = std::max(batch.worst, static_cast<int>(ExitCode::runtime));
      batch.rank_lost = batch.ended = true;
      return;
    }
    announcement = std::move(*announced);
    if (announcement.exit_code != 0) {
      batch.worst = std::max(batch.worst, announcement.exit_code);
      batch.ended = true;
      return;
    }
    const JobEnd end = run_worker(endpoint, announcement, Clock::now());
    batch.worst = std::max(batch.worst, end.code);
    batch.rank_lost = batch.rank_lost || end.rank_lost;
    batch.kernel_left_running = end.kernel_left_running;
    batch.announcement_wait = 10 * std::chrono::duration<double>(end.worker_timeout_s);
    return;
  }

  std::optional<LoadedJob> job;
  std::optional<master::ResultWriter> writer;
  JobJournal journal;
  announcement.exit_code = batch.stop_code;
  if (announcement.exit_code == 0) {
    try {
      job = load(job::parse_job_file(path));
      job->order = master::deal_order(job->plan, *job->kernel);
      journal = check_journal(job->plan, path, options);
      writer.emplace(job->plan, options.force);
      job->kernel->open_output(writer->result());
      start_journal(job->plan, journal, options);
      announcement.job_text = job->plan.spec.text;
      announcement.job_path = path;
      announcement.temporary = std::filesystem::absolute(writer->temporary()).string();
    } catch (const std::exception& error) {
      print_error(error.what());
      announcement.exit_code = code_of(error);
    }
  }
  announce(endpoint, announcement, batch);
  if (announcement.exit_code != 0) {
    // A worker stopped since the last job would hold the announcement's send forever.
    endpoint.abandon_sends();
    batch.worst = std::max(batch.worst, announcement.exit_code);
    batch.ended = true;
    return;
  }

  JobEnd end = run_master(endpoint, *job, *writer, journal, Clock::now(), options, std::move(batch.identities));
  batch.worst = std::max(batch.worst, end.code);
  batch.rank_lost = batch.rank_lost || end.rank_lost;
  batch.lost = std::move(end.lost);
  batch.local_workers = std::move(end.local_workers);
  batch.identities = std::move(end.identities);
  if (left == 0) return;
  if (end.code >= static_cast<int>(ExitCode::usage)) {
    batch.stop_code = end.code;
  } else if (!end.unable.empty()) {
    print_error(fmt::format("rank(s) {} were lost or left a kernel running during {}: the {} job(s) after it are "
                            "not run (run them again)",
                            fmt::join(end.unable, ", "), path, left));
    batch.stop_code = batch.worst = std::max(batch.worst, static_cast<int>(ExitCode::runtime));
  }
}

}  // namespace

int run_command(const RunOptions& options) {
  mpi::environment environment(mpi::threading::funneled, false);
  mpi::communicator world;
  interrupt::install_signal_handlers(world.rank() == master_rank);
  // A send to a dead peer over TCP can raise SIGPIPE, which would kill a rank that could go on.
  std::signal(SIGPIPE, SIG_IGN);
  if (world.size() > 1) log::set_rank(world.rank());
  // Each job talks over a communicator of its own, so that a message still on its way when one
  // job ends (a late steal reply, say) can never reach the next job of the batch. They are all
  // made now, while every rank is surely there (a collective later would hang on a rank lost
  // meanwhile), and live until the batch ends: a freed communicator's context id could be reused.
  std::vector<mpi::communicator> communicators;
  for (std::size_t i = 0; i < options.jobs.size(); ++i) communicators.emplace_back(world, mpi::comm_duplicate);
  Batch batch;
  for (std::size_t i = 0; i < options.jobs.size() && !batch.ended; ++i) {
    run_job(communicators[i], options.jobs[i], options, options.jobs.size() - i - 1, batch);
  }
  if (batch.rank_lost || batch.kernel_left_running) {
    guard_finalize(std::move(batch.local_workers), batch.worst);
    finalize_and_exit(batch.worst);
  }
  if (world.size() > 1) guard_finalize(std::move(batch.local_workers), batch.worst);
  return batch.worst;
}

void print_error(const std::string& message) { std::fputs(fmt::format("kdsched: error: {}\n", escape_controls(message)).c_str(), stderr); }

}  // namespace kdsched::app
