#pragma once

#include "io/records.hpp"

#include <boost/serialization/string.hpp>

// The /workers row travels from each worker to the master at the end of a job; found by ADL.
namespace kdsched::io {

template <typename Archive>
void serialize(Archive& archive, WorkerRecord& r, unsigned /*version*/) {
  archive & r.rank & r.hostname & r.partitions & r.busy_s & r.idle_s & r.steals_sent & r.steals_received &
      r.bytes_read & r.cache_hits & r.steal_attempts & r.steal_wait_s;
}

}  // namespace kdsched::io
