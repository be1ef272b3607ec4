#include "scheduling/retry_rule.hpp"

#include <algorithm>

namespace kdsched::scheduling {

bool RetryRule::failed(PartitionId id, std::uint32_t worker) {
  Failures& failures = failures_[id];
  ++failures.attempts;
  failures.workers.push_back(worker);
  return failures.attempts <= retries_;
}

bool RetryRule::lost_with(PartitionId id, std::uint32_t losses_before) {
  Failures& failures = failures_[id];
  failures.attempts = static_cast<std::uint16_t>(std::max<std::uint32_t>(failures.attempts, losses_before) + 1);
  ++failures.losses;
  return failures.attempts <= retries_;
}

std::uint32_t RetryRule::losses(PartitionId id) const {
  const auto found = failures_.find(id);
  return found == failures_.end() ? 0 : found->second.losses;
}

std::uint16_t RetryRule::attempts(PartitionId id, bool succeeded) const {
  const auto found = failures_.find(id);
  const std::uint32_t failed = found == failures_.end() ? 0 : found->second.attempts;
  return static_cast<std::uint16_t>(failed + (succeeded ? 1 : 0));
}

std::optional<std::uint32_t> RetryRule::worker_for(PartitionId id, std::uint32_t workers,
                                                   const std::function<bool(std::uint32_t)>& usable,
                                                   const std::function<std::uint64_t(std::uint32_t)>& queued) const {
  const auto found = failures_.find(id);
  const auto has_failed = [&](std::uint32_t worker) {
    return found != failures_.end() &&
           std::find(found->second.workers.begin(), found->second.workers.end(), worker) != found->second.workers.end();
  };
  std::optional<std::uint32_t> fresh;
  std::optional<std::uint32_t> any;
  for (std::uint32_t worker = 0; worker < workers; ++worker) {
    if (!usable(worker)) continue;
    auto& best = has_failed(worker) ? any : fresh;
    if (!best || queued(worker) < queued(*best)) best = worker;
  }
  return fresh ? fresh : any;
}

}  // namespace kdsched::scheduling
