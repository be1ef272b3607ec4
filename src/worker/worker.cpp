#include "worker/worker.hpp"

#include "common/log.hpp"

#include <boost/mpi/environment.hpp>

namespace kdsched::worker {
namespace {
using std::chrono::milliseconds;

// Results wait for company (one message carries many) but never longer than this, nor beyond
// this many, so the master's progress and memory stay current.
constexpr auto max_result_delay = milliseconds(20);
constexpr std::size_t max_result_batch = 64;
}  // namespace

Worker::Worker(protocol::Endpoint& endpoint, const kernels::JobPlan& plan, kernels::Kernel& kernel,
               Clock::time_point job_start)
    : endpoint_(endpoint),
      runner_(plan, kernel, job_start),
      job_start_(job_start),
      self_(static_cast<std::uint32_t>(endpoint.rank() - 1)),
      workers_(static_cast<std::uint32_t>(endpoint.size() - 1)),
      stealing_(plan.spec.schedule.stealing != job::Stealing::off),
      victims_(self_, workers_, 0x6b647363686564ULL),
      poll_backoff_(scheduling::message_polling()),
      steal_backoff_(scheduling::steal_retries()) {}

Worker::~Worker() {
  if (executor_.joinable()) executor_.detach();
}

std::optional<int> Worker::run() {
  executor_ = std::thread([this] { execute(); });
  poll_backoff_.reset(Clock::now());
  std::optional<int> abort_code;
  bool stopped = false;
  while (!stopped) {
    bool active = false;
    while (auto envelope = endpoint_.poll()) {
      active = true;
      if ((stopped = handle(*envelope, abort_code))) break;
    }
    if (stopped) break;

    Decision decision;
    {
      std::lock_guard lock(mutex_);
      decision = decide(Clock::now());
    }
    if (decision.request_work || decision.send_results) {
      endpoint_.send(master_rank, protocol::Request{std::move(decision.outcomes), decision.request_work});
      request_outstanding_ = request_outstanding_ || decision.request_work;
      active = true;
    }
    if (decision.steal) {
      endpoint_.send(static_cast<Rank>(victims_.next() + 1), protocol::StealRequest{});
      steal_outstanding_ = true;
      active = true;
    }
    if (active) {
      poll_backoff_.reset(Clock::now());
    } else {
      wait(poll_backoff_.next(Clock::now()));
    }
  }

  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  if (abort_code) {
    executor_.detach();
  } else {
    executor_.join();
  }
  wall_s_ = std::chrono::duration<double>(Clock::now() - job_start_).count();
  return abort_code;
}

Worker::Decision Worker::decide(Clock::time_point now) {
  Decision d;
  d.request_work = !request_outstanding_ && !master_exhausted_ && queue_.empty();
  const bool idle = queue_.empty() && !executor_busy_;
  d.send_results = !outbox_.empty() && (d.request_work || idle || outbox_.size() >= max_result_batch ||
                                        now - oldest_result_ >= max_result_delay);
  if (d.send_results) d.outcomes = std::exchange(outbox_, {});
  d.steal = stealing_ && master_exhausted_ && queue_.empty() && !steal_outstanding_ && victims_.has_victims() &&
            now >= next_steal_;
  return d;
}

bool Worker::handle(const protocol::Envelope& envelope, std::optional<int>& abort_code) {
  using protocol::Tag;
  switch (envelope.tag) {
    case Tag::grant: {
      const auto grant = envelope.as<protocol::GrantMessage>();
      {
        std::lock_guard lock(mutex_);
        queue_.push(grant.ranges, false);
      }
      work_ready_.notify_one();
      request_outstanding_ = false;
      master_exhausted_ = grant.master_exhausted;
      return false;
    }
    case Tag::steal_request: {
      protocol::StealReply reply;
      {
        std::lock_guard lock(mutex_);
        if (!queue_.empty()) reply.ranges = queue_.steal_back_half();
      }
      if (!reply.ranges.empty()) ++steals_sent_;
      endpoint_.send(envelope.source, reply);
      return false;
    }
    case Tag::steal_reply: {
      const auto reply = envelope.as<protocol::StealReply>();
      steal_outstanding_ = false;
      if (reply.ranges.empty()) {
        const auto now = Clock::now();
        next_steal_ = now + steal_backoff_.next(now);
        return false;
      }
      {
        std::lock_guard lock(mutex_);
        queue_.push(reply.ranges, true);
      }
      work_ready_.notify_one();
      ++steals_received_;
      steal_backoff_.reset(Clock::now());
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

void Worker::wait(scheduling::Backoff::Duration pause) {
  std::unique_lock lock(mutex_);
  if (pause > scheduling::Backoff::Duration::zero() && !comm_signalled_) {
    comm_wakeup_.wait_for(lock, pause, [this] { return comm_signalled_; });
  }
  comm_signalled_ = false;
}

void Worker::execute() {
  while (true) {
    scheduling::LocalQueue::Item item;
    bool queue_drained = false;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      item = *queue_.pop_front();
      executor_busy_ = true;
      // An empty queue is the moment to ask for more, while this partition runs.
      if (queue_.empty()) comm_signalled_ = queue_drained = true;
    }
    if (queue_drained) comm_wakeup_.notify_one();
    protocol::Outcome outcome = runner_.run(item.id, item.stolen);
    {
      std::lock_guard lock(mutex_);
      if (outbox_.empty()) oldest_result_ = Clock::now();
      outbox_.push_back(std::move(outcome));
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
  record.bytes_read = runner_.bytes_read();
  return record;
}

}  // namespace kdsched::worker
