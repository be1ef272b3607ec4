#include "master/result_collector.hpp"

#include "common/error.hpp"

#include <fmt/format.h>

namespace kdsched::master {
namespace {

// A fast stream of outcomes is written in batches of about this many bytes, whatever the
// checkpoint interval: it bounds the master's memory, and a buffer this size stays in memory it
// has already touched.
constexpr std::size_t journal_batch_limit = std::size_t{16} << 20;

}  // namespace

ResultCollector::ResultCollector(const kernels::JobPlan& plan, kernels::Kernel& kernel, Progress& progress)
    : plan_(plan), kernel_(kernel), progress_(progress), tracker_(plan.partitions.count()),
      records_(plan.partitions.count()) {
  progress_.begin_round(0, kernel_.round_limit());
}

bool ResultCollector::accept(Rank rank, protocol::Outcome& outcome, std::uint16_t attempts) {
  if (!tracker_.record(outcome.id)) {
    if (outcome.id >= tracker_.total()) {
      throw RuntimeError(fmt::format("rank {} reported partition {}, which does not exist", rank, outcome.id));
    }
    ++duplicates_;
    return false;
  }
  const IndexRange rows = plan_.partitions.range(outcome.id);
  io::PartitionRecord& record = records_[round_ * plan_.partitions.count() + outcome.id];
  record.round = round_;
  record.id = outcome.id;
  record.row_begin = rows.begin;
  record.row_end = rows.end;
  record.rank = rank;
  record.attempts = attempts;
  record.stolen = outcome.stolen ? 1 : 0;
  record.start_s = outcome.start_s;
  record.end_s = outcome.end_s;
  record.status = outcome.ok ? 0 : 1;
  RoundRecord& round = rounds_.back();
  round.start_s = round.partitions == 0 ? outcome.start_s : std::min(round.start_s, outcome.start_s);
  round.end_s = std::max(round.end_s, outcome.end_s);
  ++round.partitions;
  round.bytes_read += outcome.bytes_read;
  round.cache_hits += outcome.cache_hit ? 1 : 0;
  if (journal_ != nullptr) {
    const journal::Fields fields{round_, outcome.id, rank, record.attempts, outcome.ok, outcome.stolen,
                                 outcome.cache_hit, outcome.start_s, outcome.end_s, outcome.bytes_read};
    journal::append_entry(journal_batch_, fields, outcome.error, outcome.partial);
    if (journal_batch_.size() >= journal_batch_limit) submit_journal();
  }
  merge_in_order(outcome.id, outcome);
  if (!outcome.ok) {
    // Report the lowest failing id, so that the message does not depend on timing.
    if (failed_++ == 0 || outcome.id < first_failed_id_) {
      first_failed_id_ = outcome.id;
      first_failure_ = fmt::format("partition {} (rows {}..{}){} on rank {}: {}", outcome.id, rows.begin, rows.end,
                                   round_ > 0 ? fmt::format(" in round {}", round_) : "", rank, outcome.error);
    }
  }
  progress_.update(tracker_.completed(), failed_);
  return true;
}

void ResultCollector::merge(PartitionId id, const Bytes& partial) {
  kernel_.merge(kernels::Task{id, plan_.partitions.range(id)}, partial);
}

void ResultCollector::merge_in_order(PartitionId id, protocol::Outcome& outcome) {
  // A failed partition may still carry a partial result (see kernels::PartitionFailure).
  const bool has_partial = outcome.ok || !outcome.partial.empty();
  if (id == next_merge_ && waiting_.empty()) {
    if (has_partial) merge(id, outcome.partial);
    ++next_merge_;
    return;
  }
  const auto slot = static_cast<std::size_t>(id - next_merge_);
  if (waiting_.size() <= slot) waiting_.resize(slot + 1);
  Pending& pending = waiting_[slot];
  pending.arrived = true;
  pending.has_partial = has_partial;
  if (has_partial) pending.partial = std::move(outcome.partial);
  peak_waiting_ = std::max(peak_waiting_, ++waiting_count_);
  while (!waiting_.empty() && waiting_.front().arrived) {
    if (waiting_.front().has_partial) merge(next_merge_, waiting_.front().partial);
    waiting_.pop_front();
    --waiting_count_;
    ++next_merge_;
  }
}

std::optional<std::vector<std::uint32_t>> ResultCollector::previous_assignment() const {
  if (round_ == 0 || kernel_.cache_bytes() == 0) return std::nullopt;
  const std::uint64_t n = plan_.partitions.count();
  std::vector<std::uint32_t> workers(n);
  for (std::uint64_t id = 0; id < n; ++id) {
    workers[id] = static_cast<std::uint32_t>(records_[(round_ - 1) * n + id].rank - 1);
  }
  return workers;
}

void ResultCollector::journal_to(journal::Journal& journal, double checkpoint_seconds) {
  journal_ = &journal;
  appender_ = std::make_unique<journal::Appender>(journal);
  // Reserved once and reused by every batch: a buffer growing afresh would cost a copy and a
  // page fault for every few dozen outcomes, more than the outcomes themselves.
  journal_batch_.reserve(journal_batch_limit + (std::size_t{1} << 20));
  checkpoint_interval_ = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(checkpoint_seconds));
  next_checkpoint_ = std::chrono::steady_clock::now() + checkpoint_interval_;
}

void ResultCollector::checkpoint(std::chrono::steady_clock::time_point now) {
  if (journal_ != nullptr && now >= next_checkpoint_) submit_journal();
}

// The batch is written by the appender's thread while merging goes on; "durable every
// checkpoint_seconds" then means: written within one batch's write of each checkpoint.
void ResultCollector::submit_journal() {
  if (!journal_batch_.empty()) appender_->submit(journal_batch_);
  next_checkpoint_ = std::chrono::steady_clock::now() + checkpoint_interval_;
}

void ResultCollector::flush_journal() {
  if (journal_ == nullptr) return;
  submit_journal();
  appender_->wait();
}

void ResultCollector::close_journal() {
  appender_.reset();
  journal_ = nullptr;
}

void ResultCollector::replay(std::vector<journal::Entry>& entries, Bytes& state) {
  protocol::Outcome outcome;
  for (journal::Entry& entry : entries) {
    const journal::Fields& fields = entry.fields;
    if (fields.round != round_ && !(fields.round == round_ + 1 && all_done() && next_round(state))) {
      throw IoError(fmt::format("journal: partition {} of round {} does not fit the job (it is in round {})",
                                fields.id, fields.round, round_));
    }
    outcome.id = fields.id;
    outcome.ok = fields.ok;
    outcome.stolen = fields.stolen;
    outcome.start_s = fields.start_s;
    outcome.end_s = fields.end_s;
    outcome.error = std::move(entry.error);
    outcome.partial = std::move(entry.partial);
    outcome.bytes_read = fields.bytes_read;
    outcome.cache_hit = fields.cache_hit;
    accept(fields.rank, outcome, fields.attempts);
    ++from_journal_;
  }
}

bool ResultCollector::next_round(Bytes& state) {
  // A round with failed partitions would feed incomplete state into the next one.
  if (failed_ > 0) return false;
  std::optional<Bytes> next = kernel_.next_round();
  if (!next) return false;
  // No checkpoint here: rounds of an iterative kernel can be a few milliseconds, and a commit
  // per round would cost more than the round's merging. The journal keeps the order outcomes
  // were accepted in, so what survives a crash is a prefix of it, which replay turns into the
  // same rounds, the same states, whatever round it ends in.
  ++round_;
  rounds_.emplace_back();
  kernel_.begin_round(round_, *next);
  progress_.begin_round(round_, kernel_.round_limit());
  tracker_ = scheduling::CompletionTracker(plan_.partitions.count());
  next_merge_ = 0;
  records_.resize(records_.size() + plan_.partitions.count());
  state = std::move(*next);
  return true;
}

}  // namespace kdsched::master
