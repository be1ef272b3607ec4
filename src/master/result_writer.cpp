#include "master/result_writer.hpp"

#include "common/log.hpp"
#include "common/version.hpp"
#include "io/output_file.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>

namespace kdsched::master {

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

namespace {

// One 1-D dataset per field under /rounds, indexed by round.
void write_rounds(io::Group& root, const std::vector<RoundRecord>& rounds) {
  io::Group group = root.create_group("rounds");
  const auto column = [&](auto field) {
    std::vector<std::decay_t<decltype(rounds.front().*field)>> values;
    for (const auto& round : rounds) values.push_back(round.*field);
    return values;
  };
  group.write("partitions", std::span<const std::uint64_t>(column(&RoundRecord::partitions)));
  group.write("bytes_read", std::span<const std::uint64_t>(column(&RoundRecord::bytes_read)));
  group.write("cache_hits", std::span<const std::uint64_t>(column(&RoundRecord::cache_hits)));
  group.write("start_s", std::span<const double>(column(&RoundRecord::start_s)));
  group.write("end_s", std::span<const double>(column(&RoundRecord::end_s)));
}

std::unique_ptr<io::OutputFile> open_output(const kernels::JobPlan& plan, bool force) {
  kernels::check_output(plan);
  return std::make_unique<io::OutputFile>(plan.spec.output, force);
}

}  // namespace

ResultWriter::ResultWriter(const kernels::JobPlan& plan, bool force) : plan_(plan), file_(open_output(plan, force)) {
  remove_on_signal_.emplace(file_->temporary());
  result_.emplace(file_->root().create_group("result"));
  log::debug("{}: output opened; written under a temporary name until the job ends", plan.spec.output.string());
}

void ResultWriter::discard() {
  result_.reset();
  file_.reset();
  remove_on_signal_.reset();
  log::debug("{}: output discarded", plan_.spec.output.string());
}

void ResultWriter::finish(kernels::Kernel& kernel, const RunFacts& facts) {
  const kernels::JobPlan& plan = plan_;
  io::Group& root = file_->root();
  root.set_attribute("kdsched_version", std::string(kdsched::version));
  root.set_attribute("format_version", std::int64_t{output_format_version});
  root.set_attribute("job_name", plan.spec.name);
  root.set_attribute("job_toml", plan.spec.text);
  root.set_attribute("kernel", plan.spec.kernel);
  root.set_attribute("status", facts.status);
  root.set_attribute("created_utc", facts.created_utc);
  root.set_attribute("finished_utc", facts.finished_utc);
  root.set_attribute("mpi_ranks", std::int64_t{facts.mpi_ranks});
  root.set_attribute("workers", std::int64_t{facts.workers});
  root.set_attribute("wall_seconds", facts.wall_seconds);
  root.set_attribute("master_cpu_seconds", facts.master_cpu_seconds);
  root.set_attribute("master_peak_send_bytes", facts.master_peak_send_bytes);
  root.set_attribute("merge_peak_waiting", facts.merge_peak_waiting);
  root.set_attribute("resumed", std::int64_t{facts.resumed ? 1 : 0});
  root.set_attribute("partitions_from_journal", facts.partitions_from_journal);
  root.set_attribute("lost_workers", facts.lost_workers);
  root.set_attribute("copies", facts.copies);
  root.set_attribute("duplicates", facts.duplicates);
  // Absolute, so that the result still says where its input was when it is moved or shared.
  const bool has_file = plan.spec.input && !plan.spec.input->file.empty();
  root.set_attribute("input_file", has_file ? std::filesystem::absolute(plan.spec.input->file).lexically_normal().string()
                                            : std::string());
  root.set_attribute("input_dataset", plan.spec.input ? plan.spec.input->dataset : std::string());

  kernel.finish(*result_);
  root.write_partitions("partitions", facts.partitions);
  write_rounds(root, facts.rounds);
  root.write_workers("workers", facts.workers_table);
  result_.reset();
  // A signal that took the temporary first is removing it: the run ends as interrupted.
  if (!remove_on_signal_->release()) throw interrupt::Interrupted(interrupt::drain_requested());
  file_->commit();
  remove_on_signal_.reset();
  log::debug("{}: output committed ({} partition records, {} rounds)", plan.spec.output.string(),
             facts.partitions.size(), facts.rounds.size());
}

}  // namespace kdsched::master
