#pragma once

#include "common/bytes.hpp"
#include "common/default_init_allocator.hpp"
#include "common/ids.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kdsched::journal {

// What the master knew of a merged partition when it counted it done: its /partitions fields.
struct Fields {
  std::uint32_t round = 0;
  PartitionId id = 0;
  std::int32_t rank = 0;
  std::uint16_t attempts = 1;
  bool ok = true;
  bool stolen = false;
  bool cache_hit = false;
  double start_s = 0;
  double end_s = 0;
  std::uint64_t bytes_read = 0;
};

// One partition's journaled outcome, as read back.
struct Entry {
  Fields fields;
  std::string error;  // why it failed, when !fields.ok
  Bytes partial;      // the partial result the master merged
};

// A batch is entries back to back, each a flags byte, then its integers as LEB128 varints (its
// start and its duration in whole nanoseconds among them), then its error (only when there is
// one) and its partial, each length first: an empty partition takes about 15 bytes. Native byte order: a journal is read
// back on the machine that wrote it. Appending costs a resize and a few stores: the master calls
// it for every partition.
// A batch grows by a few bytes per partition, millions of times a second: its bytes are not
// zeroed before they are written.
using Batch = std::vector<char, DefaultInitAllocator<char>>;
void append_entry(Batch& batch, const Fields& fields, std::string_view error, std::span<const char> partial);

// Appends the entries of `batch` to `entries`. Throws IoError on a batch that does not parse.
void read_batch(std::span<const char> batch, std::vector<Entry>& entries);

}  // namespace kdsched::journal
