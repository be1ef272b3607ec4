#pragma once

#include "common/bytes.hpp"
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

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & round & id & rank & attempts & ok & stolen & cache_hit & start_s & end_s & bytes_read;
  }
};

// One partition's journaled outcome, as read back.
struct Entry {
  Fields fields;
  std::string error;  // why it failed, when !fields.ok
  Bytes partial;      // the partial result the master merged
};

// A batch is entries back to back, each its fields, its error and its partial (lengths first), in
// the native layout: a journal is read back by the build that wrote it (see Journal).
void append_entry(Bytes& batch, const Fields& fields, std::string_view error, std::span<const char> partial);

// Appends the entries of `batch` to `entries`. Throws IoError on a batch that does not parse.
void read_batch(std::span<const char> batch, std::vector<Entry>& entries);

}  // namespace kdsched::journal
