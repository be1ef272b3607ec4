#pragma once

#include "io/handle.hpp"
#include "io/records.hpp"

#include <cstdint>

// The compound layouts of /partitions and /workers, shared by the writer and the reader so that
// field names, order and types are spelled out once.
namespace kdsched::io::h5 {

// Memory types follow the C++ structs; file types are packed little-endian standard types, so
// the file does not depend on the compiler's padding.
enum class Layout { memory, file };

Handle partition_type(Layout layout);

// WorkerRecord as HDF5 sees it: the hostname as a variable-length C string.
struct WorkerRow {
  std::int32_t rank = 0;
  const char* hostname = nullptr;
  std::uint64_t partitions = 0;
  double busy_s = 0;
  double idle_s = 0;
  std::uint64_t steals_sent = 0;
  std::uint64_t steals_received = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t steal_attempts = 0;
  double steal_wait_s = 0;
  std::uint8_t lost = 0;
};

Handle worker_type(Layout layout);

// The row borrows the record's hostname.
WorkerRow to_row(const WorkerRecord& record);
WorkerRecord from_row(const WorkerRow& row);

}  // namespace kdsched::io::h5
