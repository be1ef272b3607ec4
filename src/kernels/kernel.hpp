#pragma once

#include "common/bytes.hpp"
#include "common/ids.hpp"
#include "io/block.hpp"
#include "io/output_file.hpp"
#include "partition/index_range.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace kdsched::kernels {

// Thrown by map() for a partition that failed but still has a partial result to report (an
// external program's exit code, say): the partition counts as failed, and the master merges the
// partial all the same.
class PartitionFailure : public std::runtime_error {
 public:
  PartitionFailure(const std::string& message, Bytes partial)
      : std::runtime_error(message), partial_(std::move(partial)) {}
  const Bytes& partial() const { return partial_; }

 private:
  Bytes partial_;
};

// One partition as a kernel sees it.
struct Task {
  using Clock = std::chrono::steady_clock;
  PartitionId id = 0;
  IndexRange rows;
  // When the attempt fails for running too long (`[faults] partition_timeout`). A kernel that can
  // stop early does so past it; the attempt fails past it either way.
  Clock::time_point deadline = Clock::time_point::max();
};

// A mining kernel. Workers call map() on each partition (an exception there fails only that
// partition); the master calls merge() once per successful partition, in any order, then
// finish() to write /result.
//
// Iterative kernels run in rounds: once every partition of a round is merged, the master calls
// next_round(); state returned there is broadcast, every rank's kernel gets begin_round() with
// it, and all partitions are dealt again. Round numbers start at 0.
class Kernel {
 public:
  virtual ~Kernel() = default;

  virtual std::optional<Bytes> next_round() { return std::nullopt; }
  // The most rounds the job can take (progress names the round as "round 3/≤309"); 0 when the
  // kernel cannot tell in advance.
  virtual std::uint64_t round_limit() const { return 1; }

  // Iterative kernels that read the same partitions every round: each worker keeps up to this
  // many bytes of rows in memory, and the master deals every worker the partitions it ran the
  // round before (stealing still moves work when needed).
  virtual std::uint64_t cache_bytes() const { return 0; }
  virtual void begin_round(std::uint32_t /*round*/, const Bytes& /*state*/) {}

  // Whether map() needs the partition's rows read from the input dataset.
  virtual bool reads_input() const = 0;

  // The relative cost of a partition before anything was measured, for order = "lpt": its rows
  // unless the kernel knows better.
  virtual double estimated_cost(const Task& task) const { return static_cast<double>(task.rows.size()); }

  // Master, before the first partition: /result of the file being written, for kernels that
  // write large results as partitions finish instead of holding them until finish().
  virtual void open_output(io::Group& /*result*/) {}

  // Writes the partition's partial result into `partial`, whose capacity may be reused.
  virtual void map(const Task& task, const io::Block& rows, Bytes& partial) = 0;
  virtual void merge(const Task& task, const Bytes& partial) = 0;
  virtual void finish(io::Group& result) = 0;
};

// The usual shape of a kernel: a typed partial result, serialized for the trip to the master.
template <typename Partial>
class TypedKernel : public Kernel {
 public:
  void map(const Task& task, const io::Block& rows, Bytes& partial) final {
    partial.clear();
    append_bytes(partial, map_partition(task, rows));
  }
  void merge(const Task& task, const Bytes& partial) final { merge_partial(task, from_bytes<Partial>(partial)); }

 protected:
  virtual Partial map_partition(const Task& task, const io::Block& rows) = 0;
  virtual void merge_partial(const Task& task, const Partial& partial) = 0;
};

}  // namespace kdsched::kernels
