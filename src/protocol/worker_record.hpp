#pragma once

#include "io/records.hpp"
#include "protocol/messages.hpp"

#include <boost/serialization/string.hpp>

// The /workers row travels from each worker to the master at the end of a job; found by ADL.
namespace kdsched::io {

template <typename Archive>
void serialize(Archive& archive, WorkerRecord& r, unsigned /*version*/) {
  archive & r.rank & r.hostname & r.partitions & r.busy_s & r.idle_s & r.steals_sent & r.steals_received &
      r.bytes_read & r.cache_hits & r.steal_attempts & r.steal_wait_s & r.lost;
}

}  // namespace kdsched::io

namespace kdsched::protocol {

// A worker's /workers row, sent to the master after Stop (a gather could not complete once a
// worker is lost).
struct WorkerReport {
  static constexpr Tag tag = Tag::worker_record;
  io::WorkerRecord record;

  template <typename Archive>
  void serialize(Archive& archive, unsigned version) {
    io::serialize(archive, record, version);
  }
};

}  // namespace kdsched::protocol
