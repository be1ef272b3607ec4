#include "worker/worker.hpp"

#include "common/error.hpp"
#include "common/interrupt.hpp"
#include "common/log.hpp"

#include "common/process_identity.hpp"
#include "protocol/worker_record.hpp"

#include <boost/mpi/environment.hpp>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

namespace kdsched::worker {
namespace {

// Partitions shorter than `inline_limit`, seen `inline_streak` times in a row, run on the
// communication thread itself: handing each one to the executor would cost more than running it.
// The work goes back to the executor after one partition longer than `inline_exit`, or a few in a
// row over the limit; a steal request thus waits at most for one misjudged partition, while an
// occasional preemption (common on shared machines) does not end a stream of short partitions.
constexpr double inline_limit_s = 50e-6;
constexpr double inline_exit_s = 1e-3;
bool ends_inline_mode(double seconds) { return seconds >= inline_exit_s; }
constexpr unsigned inline_streak = 32;
// Inline partitions run in batches between two looks at MPI, because a poll costs more than an
// empty partition: at most this many, and none started once the batch has run this long, which
// bounds how long a steal request waits. They leave the queue a few at a time (one lock each).
constexpr unsigned inline_batch = 64;
constexpr double inline_batch_s = 100e-6;
constexpr std::size_t inline_take = 8;
constexpr unsigned executor_streak = 4;

// A worker with nothing to run polls this long for the grant it asked for before it sleeps: the
// answer is usually microseconds away, and if both sides slept, every round trip would cost
// the sum of their pauses.
scheduling::Backoff grant_waiting() {
  return scheduling::Backoff(std::chrono::milliseconds(2), std::chrono::microseconds(20), std::chrono::milliseconds(1));
}
}  // namespace

Worker::Worker(protocol::Endpoint& endpoint, const kernels::JobPlan& plan, kernels::Kernel& kernel,
               Clock::time_point job_start)
    : endpoint_(endpoint),
      kernel_(kernel),
      runner_(plan, kernel, job_start, endpoint.rank()),
      job_start_(job_start),
      self_(static_cast<std::uint32_t>(endpoint.rank() - 1)),
      workers_(static_cast<std::uint32_t>(endpoint.size() - 1)),
      steals_randomly_(plan.spec.schedule.stealing == job::Stealing::random),
      master_names_victims_(plan.spec.schedule.stealing == job::Stealing::master),
      rules_(steals_randomly_, master_names_victims_, scheduling::ResultBatching::for_workers(workers_)),
      victims_(self_, workers_, 0x6b647363686564ULL),
      poll_backoff_(scheduling::message_polling()),
      grant_wait_(grant_waiting()),
      steal_backoff_(scheduling::steal_retries()),
      faults_(plan.spec.faults),
      master_silence_(1, scheduling::SilenceDetector::Duration(faults_.worker_timeout_s), Clock::now()),
      heartbeat_interval_(
          std::chrono::duration_cast<Clock::duration>(scheduling::heartbeat_interval(master_silence_.timeout()))),
      next_heartbeat_(Clock::now() + heartbeat_interval_) {
  inject(job::InjectedError::worker_start);
}

// Under a launcher that keeps survivors running (mpirun --enable-recovery), nothing else would
// end a worker whose master died. The message cannot go to the master, so it goes to stderr.
bool Worker::master_is_lost() {
  if (!master_silence_.check(Clock::now())) return false;
  log::warn("the master (rank {}) sent nothing for {:g} s (worker_timeout): it is lost; this worker exits",
            master_rank, master_silence_.timeout().count());
  return true;
}

// By broadcast, or once a worker is lost, as a message; a loss during the broadcast makes the
// master abandon it and send the message instead. Only an Abort or the state may end the wait;
// the round's grants and steal requests stay queued, in order, until the round has begun.
std::optional<Bytes> Worker::receive_round_state(const protocol::RoundStart& start, std::optional<int>& abort_code) {
  using protocol::Tag;
  std::optional<Bytes> direct;
  const auto abort_or_state = [&] {
    if (const auto* abort = endpoint_.poll(Tag::abort)) {
      abort_code = abort->as<protocol::Abort>().exit_code;
      return true;
    }
    while (endpoint_.poll(Tag::heartbeat) != nullptr) master_silence_.heard(0);
    // A copy of an earlier round's state, sent after a loss, is dropped.
    while (const auto* message = endpoint_.poll(Tag::round_state)) {
      auto received = message->as<protocol::RoundState>();
      if (received.round == start.round) {
        direct = std::move(received.state);
        break;
      }
    }
    return direct.has_value();
  };
  // The broadcast waits for the ranks above this one in its tree, which may be lost: meanwhile
  // the master hears this worker, and a lost master ends the wait.
  const auto master_gone = [&] {
    send_heartbeat_if_due();
    if (!master_is_lost()) return false;
    abort_code = static_cast<int>(ExitCode::runtime);
    return true;
  };
  if (!start.direct) {
    Bytes state(start.state_bytes);
    if (endpoint_.broadcast(state, master_rank, [&] { return !abort_or_state() && !master_gone(); })) return state;
    protocol::Endpoint::keep_until_exit(std::move(state));
    if (abort_code) return std::nullopt;
    return direct;
  }
  while (!abort_or_state()) {
    if (master_gone()) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return direct;
}

// Waits for the executor to leave a partition of the round that ended, and drops what is left
// of that round: results not yet sent (copies of partitions done elsewhere) and copies queued.
void Worker::settle_previous_round() {
  while (true) {
    if (retired_) {
      // Its executor may never come back: nothing of the round that ended is kept.
      std::lock_guard lock(mutex_);
      queue_.clear();
      outbox_.clear();
      return;
    }
    {
      std::lock_guard lock(mutex_);
      if (!executor_busy_) {
        queue_.clear();
        outbox_.clear();
        return;
      }
    }
    send_heartbeat_if_due();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

std::optional<int> Worker::finish() {
  endpoint_.send(master_rank, protocol::WorkerReport{record()});
  stop_if_injected(job::InjectedError::stop_at_end);
  // The master writes the result meanwhile and sends no heartbeat: the wait is long, but not
  // endless, should the master die writing it.
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(10 * master_silence_.timeout());
  while (Clock::now() < deadline) {
    while (const auto* envelope = endpoint_.poll()) {
      if (envelope->tag == protocol::Tag::finished) {
        const int code = envelope->as<protocol::Finished>().exit_code;
        endpoint_.send(master_rank, protocol::Finished{0, executor_abandoned_});  // the acknowledgement
        // A send to a lost peer (a steal reply to a lost thief) may never complete.
        if (saw_a_loss_) {
          endpoint_.abandon_sends();
        } else {
          endpoint_.flush();
        }
        stop_if_injected(job::InjectedError::stop_after_end);
        return code;
      }
      if (envelope->tag == protocol::Tag::abort) return envelope->as<protocol::Abort>().exit_code;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  log::warn("the master did not say how the job ended within {:g} s; this worker exits",
            10 * master_silence_.timeout().count());
  return std::nullopt;
}

// A signal reached this worker: it runs nothing more, asks the master to drain the job (under
// mpirun or Slurm the master usually has the signal too) and waits for its Abort, since a worker
// that ended first could make the launcher kill the master before the master has made its
// journal durable. The Drain's deadline ends the wait should no Abort come.
int Worker::await_abort() {
  {
    std::lock_guard lock(mutex_);
    queue_.clear();
  }
  endpoint_.send(master_rank, protocol::Fatal{static_cast<int>(ExitCode::interrupted),
                                              interrupt::Interrupted(interrupt::drain_requested()).what()});
  while (true) {
    if (const auto* abort = endpoint_.poll(protocol::Tag::abort)) return abort->as<protocol::Abort>().exit_code;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// The executor's partition ran well past partition_timeout: its kernel does not stop at the
// deadline (the built-in kernels do). It is reported failed now, so that the master retries it
// elsewhere at once; the executor stays with it, and the worker goes on serving steals and
// heartbeats. A kernel that never returns leaves the worker unable to run more partitions: its
// queue is stolen by the others, and the process ends without waiting for the kernel.
void Worker::abandon_overdue_partition() {
  constexpr auto grace = std::chrono::seconds(1);
  std::lock_guard lock(mutex_);
  if (!executor_busy_ || running_abandoned_ || Clock::now() - running_since_ < *runner_.timeout() + grace) return;
  running_abandoned_ = true;
  protocol::Outcome outcome;
  outcome.id = running_id_;
  outcome.ok = false;
  outcome.error = runner_.timeout_message() + "; its kernel did not stop, the attempt was abandoned";
  outcome.start_s = std::chrono::duration<double>(running_since_ - job_start_).count();
  outcome.end_s = std::chrono::duration<double>(Clock::now() - job_start_).count();
  log::warn("partition {}: {}", outcome.id, outcome.error);
  record(std::move(outcome));
  // Its executor is taken, perhaps for good: this worker retires from the job, and its queue goes
  // back to the master with the failure (see decide()).
  retired_ = true;
  queue_.clear();
}

void Worker::stop_if_injected(job::InjectedError where) {
  if (faults_.inject_error != where) return;
  if (faults_.inject_rank != 0 && faults_.inject_rank != endpoint_.rank()) return;
  endpoint_.flush();
  raise(SIGSTOP);
}

void Worker::inject(job::InjectedError where) const {
  if (faults_.inject_error != where) return;
  if (faults_.inject_rank != 0 && faults_.inject_rank != endpoint_.rank()) return;
  throw RuntimeError(fmt::format("injected error ({})", job::to_string(where)));
}

// Only when the loop idles: a busy worker sends requests, which tell the master as much. Only
// messages to the master count: a thief's steal requests go to other workers.
void Worker::send_heartbeat_if_due() {
  const auto now = Clock::now();
  if (now < next_heartbeat_) return;
  if (sent_since_heartbeat_ == 0) {
    protocol::Heartbeat beat;
    {
      std::lock_guard lock(mutex_);
      beat.busy = executor_busy_;
      beat.running = running_id_;
    }
    endpoint_.send(master_rank, beat);
  }
  sent_since_heartbeat_ = 0;
  next_heartbeat_ = now + heartbeat_interval_;
}

Worker::~Worker() {
  if (executor_.joinable()) executor_.detach();
}

std::optional<int> Worker::run() {
  log::debug("worker ready; a heartbeat after {:g} s without other messages",
             std::chrono::duration<double>(heartbeat_interval_).count());
  endpoint_.send(master_rank, protocol::Hello{static_cast<std::int64_t>(getpid()), process_stat(getpid()).value_or(ProcessStat{}).start_ticks,
                                              boost::mpi::environment::processor_name()});
  executor_ = std::thread([this] { execute(); });
  std::optional<int> abort_code;
  bool stopped = false;
  while (!stopped) {
    if (interrupt::drain_requested() != 0) {
      abort_code = await_abort();
      break;
    }
    bool active = false;
    while (const auto* envelope = endpoint_.poll()) {
      active = true;
      if (envelope->source == master_rank) master_silence_.heard(0);
      if ((stopped = handle(*envelope, abort_code))) break;
    }
    if (stopped) break;

    const bool idle_before = std::exchange(idled_, false);
    scheduling::WorkerDecision decision;
    {
      std::lock_guard lock(mutex_);
      decision = decide(idle_before);
    }
    if (decision.request_work || decision.send_results) {
      request_.wants_work = decision.request_work;
      endpoint_.send(master_rank, request_);
      ++sent_since_heartbeat_;
      recycle_partials();
      if (decision.request_work) {
        ++requests_outstanding_;
        grant_wait_.reset();
        // Under stealing = "master" any request may come back as a steal, once the master runs dry.
        if (master_names_victims_) request_sent_ = Clock::now();
        if (master_exhausted_ && master_names_victims_) begin_steal(request_sent_);
      }
      active = true;
    }
    if (decision.steal) {
      steal_victim_ = static_cast<Rank>(victims_.next() + 1);
      endpoint_.send(steal_victim_, protocol::StealRequest{round_, endpoint_.rank()});
      begin_steal(Clock::now());
      active = true;
    }
    if (run_inline()) active = true;
    if (active) {
      poll_backoff_.reset();
    } else if (const auto pause = (decision.starved ? grant_wait_ : poll_backoff_).next(); pause.count() > 0) {
      send_heartbeat_if_due();
      if (runner_.timeout()) abandon_overdue_partition();
      if (master_is_lost()) {
        abort_code = static_cast<int>(ExitCode::runtime);
        break;
      }
      wait(pause);
      idled_ = true;
    }
  }

  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  // The job is complete, yet the executor may be inside a partition: an abandoned one, or one
  // whose copy came first. The process will not wait for it.
  bool busy = false;
  {
    std::lock_guard lock(mutex_);
    busy = executor_busy_;
  }
  if (abort_code || busy) {
    executor_.detach();
    executor_abandoned_ = busy;
  } else {
    executor_.join();
  }
  wall_s_ = std::chrono::duration<double>(Clock::now() - job_start_).count();
  if (abort_code) {
    log::debug("ending with exit code {} (aborted, or the master is lost)", *abort_code);
  } else {
    log::debug("stopped: {} partitions run, {} steals received, {} given away", runner_.partitions(),
               steals_received_, steals_sent_);
  }
  return abort_code;
}

scheduling::WorkerDecision Worker::decide(bool check_age) {
  if (!executor_error_.empty()) throw RuntimeError(executor_error_);
  if (retired_) {
    // One request says so (with the abandoned attempt's failure); nothing more is asked for.
    scheduling::WorkerDecision d;
    d.send_results = !outbox_.empty() || !retirement_sent_;
    if (d.send_results) {
      request_.outcomes.swap(outbox_);
      request_.queued = 0;
      request_.idle = false;
      request_.round = round_;
      request_.retiring = true;
      retirement_sent_ = true;
    }
    return d;
  }
  scheduling::WorkerState state;
  state.queued = queue_.size();
  state.busy = executor_busy_;
  state.streaming = inline_mode_;
  state.master_exhausted = master_exhausted_;
  state.requests_outstanding = requests_outstanding_;
  state.steal_outstanding = steal_outstanding_;
  state.has_victims = victims_.has_victims();
  state.failed_steals = failed_steals_;
  state.results_waiting = outbox_.size();
  state.slow = faults_.speculate && own_partitions_ > 0 &&
               scheduling::WorkerRules::is_slow(own_seconds_ / static_cast<double>(own_partitions_), median_s_);
  // The clock is read only when the answer depends on it.
  state.steal_due = scheduling::WorkerRules::out_of_work(state) && Clock::now() >= next_steal_;
  state.results_overdue = check_age && !outbox_.empty() && Clock::now() - oldest_result_ >= rules_.batching().max_delay;
  const scheduling::WorkerDecision d = rules_.decide(state);
  // Swapping keeps both vectors' capacity: the dispatch loop allocates nothing per batch.
  if (d.send_results) request_.outcomes.swap(outbox_);
  if (d.send_results || d.request_work) {
    request_.queued = queue_.size();
    request_.idle = state.queued == 0 && !state.busy;
    request_.round = round_;
  }
  return d;
}

bool Worker::handle(const protocol::Envelope& envelope, std::optional<int>& abort_code) {
  using protocol::Tag;
  switch (envelope.tag) {
    case Tag::grant: {
      inject(job::InjectedError::grant);
      envelope.decode(grant_);
      const protocol::GrantMessage& grant = grant_;
      bool wake_executor = false;
      {
        std::lock_guard lock(mutex_);
        // A retired worker's grants are dealt again by the master, which knows what it granted.
        if (!retired_) queue_.push(grant.ranges, false, grant.pinned);
        wake_executor = !inline_mode_;
      }
      if (wake_executor) work_ready_.notify_one();
      if (!grant.ranges.empty()) failed_steals_ = 0;
      if (grant.pushed) return false;
      if (requests_outstanding_ > 0) --requests_outstanding_;
      const bool idle_answer = master_exhausted_ && grant.master_exhausted;
      master_exhausted_ = grant.master_exhausted;
      // Under stealing = "master", an empty grant is the master's answer that no one has work.
      if (master_names_victims_ && steal_outstanding_) {
        // Work in a grant comes from the master (a copy, or one of the last partitions), not from
        // a victim: the steal ends, but is not counted as one.
        end_steal(!grant.ranges.empty(), false);
      } else if (idle_answer && grant.ranges.empty() && !steal_outstanding_) {
        // A worker without victims (the last one left) asks no more often than a thief would.
        const auto now = Clock::now();
        next_steal_ = now + steal_backoff_.next([now] { return now; });
      }
      return false;
    }
    case Tag::steal_request: {
      const auto request = envelope.as<protocol::StealRequest>();
      protocol::StealReply reply{request.round, {}};
      if (request.round == round_) {
        std::lock_guard lock(mutex_);
        reply.ranges = queue_.steal_back_half();
      }
      if (!reply.ranges.empty()) ++steals_sent_;
      endpoint_.send(request.thief, reply);
      return false;
    }
    case Tag::steal_reply: {
      const auto reply = envelope.as<protocol::StealReply>();
      // A reply to a steal of a round that has ended carries nothing (the round could not end
      // with partitions given away), and RoundStart already cleared the steal it answers. Replies
      // from a later round cannot come: the master passes on only requests of its own round.
      if (reply.round != round_) return false;
      // Only an answer to a steal this worker asked for (itself, or through a request the master
      // passed on) counts in the steal statistics; unasked work is still queued, never lost.
      const bool asked = steal_outstanding_ || (master_names_victims_ && requests_outstanding_ > 0);
      if (asked && master_names_victims_) {
        // The master passed our request on: it has nothing left to deal, and this was a steal.
        if (requests_outstanding_ > 0) --requests_outstanding_;
        master_exhausted_ = true;
        if (!steal_outstanding_) begin_steal(request_sent_);
      }
      if (!reply.ranges.empty()) {
        {
          std::lock_guard lock(mutex_);
          queue_.push(reply.ranges, true);
        }
        work_ready_.notify_one();
      }
      if (asked) end_steal(!reply.ranges.empty());
      return false;
    }
    case Tag::round_start: {
      const auto start = envelope.as<protocol::RoundStart>();
      stop_if_injected(job::InjectedError::stop_at_round_start);
      std::optional<Bytes> state = receive_round_state(start, abort_code);
      if (!state) return true;
      inject(job::InjectedError::round_start);
      // The previous round is complete; what may still be here of it is a copy whose original
      // came first (speculation, or a loss): the executor finishes it, and it is dropped.
      settle_previous_round();
      // A retired worker's executor may still be inside the kernel: it is not touched.
      if (!retired_) kernel_.begin_round(start.round, *state);
      round_ = start.round;
      requests_outstanding_ = 1;  // the master deals the round's first grants unasked
      master_exhausted_ = false;
      steal_outstanding_ = false;  // a late answer to it is recognised by its round
      failed_steals_ = 0;
      return false;
    }
    case Tag::heartbeat:
      median_s_ = envelope.as<protocol::Heartbeat>().median_s;
      return false;
    case Tag::round_state:  // a copy of this round's state, which came by broadcast first
      return false;
    case Tag::lost: {
      const Rank lost = envelope.as<protocol::Lost>().rank;
      victims_.exclude(static_cast<std::uint32_t>(lost - 1));
      saw_a_loss_ = true;
      // A steal from the lost worker will never be answered.
      if (steal_outstanding_ && steal_victim_ == lost) end_steal(false);
      return false;
    }
    case Tag::stop:
      return true;
    case Tag::abort:
      abort_code = envelope.as<protocol::Abort>().exit_code;
      return true;
    default:
      log::warn("worker ignored an unexpected message (tag {}) from rank {}", static_cast<int>(envelope.tag),
                envelope.source);
      return false;
  }
}

// Partial results of tiny partitions are tiny allocations; their buffers go round instead.
void Worker::recycle_partials() {
  for (auto& outcome : request_.outcomes) {
    if (spare_partials_.size() < max_spare_partials) spare_partials_.push_back(std::move(outcome.partial));
  }
  request_.outcomes.clear();
}

Bytes Worker::spare_partial() {
  if (spare_partials_.empty()) return {};
  Bytes buffer = std::move(spare_partials_.back());
  spare_partials_.pop_back();
  return buffer;
}

bool Worker::run_inline() {
  unsigned ran = 0;
  double batch_end_s = 0;
  double last_end_s = 0;
  while (true) {
    bool wake_executor = false;
    {
      std::lock_guard lock(mutex_);
      for (auto& outcome : inline_done_) record(std::move(outcome));
      queue_.return_front(inline_unrun_);
      // A long partition ends inline mode: what is queued, returned partitions included, is the
      // executor's now.
      wake_executor = !inline_done_.empty() && !inline_mode_ && !queue_.empty();
      inline_done_.clear();
      inline_unrun_.clear();
      inline_items_.clear();
      const bool more = ran == 0 || (ran < inline_batch && last_end_s < batch_end_s);
      // Past the first, the last queued partition waits for the next pass, which asks for more
      // work before it runs it.
      while (more && inline_mode_ && !executor_busy_ && inline_items_.size() < inline_take &&
             queue_.size() > (ran == 0 && inline_items_.empty() ? 0u : 1u)) {
        inline_items_.push_back(*queue_.pop_front());
      }
    }
    if (wake_executor) work_ready_.notify_one();
    if (inline_items_.empty()) return ran > 0;
    for (std::size_t i = 0; i < inline_items_.size(); ++i) {
      const auto& item = inline_items_[i];
      inline_done_.push_back(runner_.run(item.id, item.stolen, i > 0, spare_partial()));
      const protocol::Outcome& outcome = inline_done_.back();
      if (ran++ == 0) batch_end_s = outcome.start_s + inline_batch_s;
      last_end_s = outcome.end_s;
      // A long partition ends the batch: the others go back to the queue, for the executor.
      if (ends_inline_mode(outcome.end_s - outcome.start_s)) {
        inline_unrun_.assign(inline_items_.begin() + static_cast<std::ptrdiff_t>(i) + 1, inline_items_.end());
        break;
      }
    }
  }
}

void Worker::begin_steal(Clock::time_point since) {
  steal_outstanding_ = true;
  steal_started_ = since;
  ++steal_attempts_;
}

// A thief that came back empty-handed waits before it asks again, longer each time, so that
// idle workers never flood the busy ones.
void Worker::end_steal(bool got_work, bool from_a_victim) {
  const auto now = Clock::now();
  steal_outstanding_ = false;
  steal_wait_s_ += std::chrono::duration<double>(now - steal_started_).count();
  if (got_work) {
    if (from_a_victim) ++steals_received_;
    failed_steals_ = 0;
    steal_backoff_.reset();
  } else {
    ++failed_steals_;
    next_steal_ = now + steal_backoff_.next([now] { return now; });
  }
}

void Worker::wait(scheduling::Backoff::Duration pause) {
  std::unique_lock lock(mutex_);
  if (pause > scheduling::Backoff::Duration::zero() && !comm_signalled_) {
    comm_wakeup_.wait_for(lock, pause, [this] { return comm_signalled_; });
  }
  comm_signalled_ = false;
}

void Worker::record(protocol::Outcome outcome) {
  const double seconds = outcome.end_s - outcome.start_s;
  const bool short_run = seconds < inline_limit_s;
  short_streak_ = short_run ? short_streak_ + 1 : 0;
  long_streak_ = short_run ? 0 : long_streak_ + 1;
  if (inline_mode_) {
    inline_mode_ = !ends_inline_mode(seconds) && long_streak_ < executor_streak;
  } else {
    inline_mode_ = short_streak_ >= inline_streak;
  }
  if (outcome.ok) {  // as the master's median, which failed attempts do not sway
    own_seconds_ += seconds;
    ++own_partitions_;
  }
  if (outbox_.empty()) oldest_result_ = Clock::now();
  outbox_.push_back(std::move(outcome));
}

void Worker::execute() {
  try {
    serve();
  } catch (const std::exception& error) {
    {
      std::lock_guard lock(mutex_);
      executor_error_ = fmt::format("rank {} executor: {}", self_ + 1, error.what());
      comm_signalled_ = true;
    }
    comm_wakeup_.notify_one();
  }
}

void Worker::serve() {
  while (true) {
    scheduling::LocalQueue::Item item;
    bool queue_drained = false;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [this] { return stopping_ || (!queue_.empty() && !inline_mode_); });
      if (stopping_) return;
      item = *queue_.pop_front();
      executor_busy_ = true;
      running_id_ = item.id;
      // In the same critical section: the communication thread must never see this partition
      // busy with the previous one's start time.
      if (runner_.timeout()) running_since_ = Clock::now();
      // An empty queue is the moment to ask for more, while this partition runs.
      if (queue_.empty()) comm_signalled_ = queue_drained = true;
    }
    if (queue_drained) comm_wakeup_.notify_one();
    protocol::Outcome outcome = runner_.run(item.id, item.stolen);
    {
      std::lock_guard lock(mutex_);
      // An abandoned partition was reported failed already; what its kernel made of it is late.
      if (!std::exchange(running_abandoned_, false)) record(std::move(outcome));
      executor_busy_ = false;
      comm_signalled_ = true;
    }
    comm_wakeup_.notify_one();
  }
}

io::WorkerRecord Worker::record() const {
  io::WorkerRecord record;
  record.rank = endpoint_.rank();
  record.hostname = boost::mpi::environment::processor_name();
  record.partitions = runner_.partitions();
  record.busy_s = runner_.busy_seconds();
  record.idle_s = std::max(0.0, wall_s_ - record.busy_s);
  record.steals_sent = steals_sent_;
  record.steals_received = steals_received_;
  record.steal_attempts = steal_attempts_;
  record.steal_wait_s = steal_wait_s_;
  record.bytes_read = runner_.bytes_read();
  record.cache_hits = runner_.cache_hits();
  return record;
}

}  // namespace kdsched::worker
