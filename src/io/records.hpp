#pragma once

#include "common/ids.hpp"

#include <cstdint>
#include <string>

namespace kdsched::io {

// One row of /partitions. No member initializers: the master's table of these is filled as
// results arrive, not zeroed up front (value-initialize, `PartitionRecord{}`, for zeros).
struct PartitionRecord {
  std::uint32_t round;
  std::uint64_t id;
  std::uint64_t row_begin;
  std::uint64_t row_end;
  std::int32_t rank;
  std::uint16_t attempts;
  std::uint8_t stolen;
  double start_s;
  double end_s;
  std::uint8_t status;  // 0 ok, 1 failed
};

// One row of /workers.
struct WorkerRecord {
  std::int32_t rank = 0;
  std::string hostname;
  std::uint64_t partitions = 0;
  double busy_s = 0;
  double idle_s = 0;
  std::uint64_t steals_sent = 0;
  std::uint64_t steals_received = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t cache_hits = 0;  // partitions served from rows kept in memory by an earlier round
  std::uint64_t steal_attempts = 0;  // steal requests made, answered with work or not
  double steal_wait_s = 0;           // seconds between those requests and their answers, summed
  std::uint8_t lost = 0;             // 1: lost during the run (dead, hung or stopped); the rest is unknown
};

}  // namespace kdsched::io
