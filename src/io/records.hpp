#pragma once

#include "common/ids.hpp"

#include <cstdint>
#include <string>

namespace kdsched::io {

// One row of /partitions.
struct PartitionRecord {
  std::uint32_t round = 0;
  std::uint64_t id = 0;
  std::uint64_t row_begin = 0;
  std::uint64_t row_end = 0;
  std::int32_t rank = 0;
  std::uint16_t attempts = 0;
  std::uint8_t stolen = 0;
  double start_s = 0;
  double end_s = 0;
  std::uint8_t status = 0;  // 0 ok, 1 failed
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
};

}  // namespace kdsched::io
