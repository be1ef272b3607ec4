#include "journal/entry.hpp"

#include "common/error.hpp"

#include <cstring>

namespace kdsched::journal {
namespace {

constexpr std::size_t fields_size = 4 * 8 + 2 * 4 + 2 + 3;

template <typename T>
char* put(char* out, T value) {
  std::memcpy(out, &value, sizeof value);
  return out + sizeof value;
}

// Reads a T at `in`, moving it on; throws IoError when `end` comes first.
template <typename T>
T take(const char*& in, const char* end) {
  if (static_cast<std::size_t>(end - in) < sizeof(T)) throw IoError("journal: a batch of outcomes is corrupt");
  T value;
  std::memcpy(&value, in, sizeof value);
  in += sizeof value;
  return value;
}

template <typename Container>
void take_bytes(const char*& in, const char* end, Container& bytes) {
  const auto size = take<std::uint64_t>(in, end);
  if (size > static_cast<std::uint64_t>(end - in)) throw IoError("journal: a batch of outcomes is corrupt");
  bytes.assign(in, in + size);
  in += size;
}

}  // namespace

void append_entry(Bytes& batch, const Fields& fields, std::string_view error, std::span<const char> partial) {
  const std::size_t at = batch.size();
  batch.resize(at + fields_size + 2 * sizeof(std::uint64_t) + error.size() + partial.size());
  char* out = batch.data() + at;
  out = put(out, fields.id);
  out = put(out, fields.start_s);
  out = put(out, fields.end_s);
  out = put(out, fields.bytes_read);
  out = put(out, fields.round);
  out = put(out, fields.rank);
  out = put(out, fields.attempts);
  out = put(out, static_cast<std::uint8_t>(fields.ok));
  out = put(out, static_cast<std::uint8_t>(fields.stolen));
  out = put(out, static_cast<std::uint8_t>(fields.cache_hit));
  out = put(out, static_cast<std::uint64_t>(error.size()));
  if (!error.empty()) std::memcpy(out, error.data(), error.size());
  out = put(out + error.size(), static_cast<std::uint64_t>(partial.size()));
  if (!partial.empty()) std::memcpy(out, partial.data(), partial.size());
}

void read_batch(std::span<const char> batch, std::vector<Entry>& entries) {
  const char* in = batch.data();
  const char* const end = batch.data() + batch.size();
  while (in != end) {
    Entry& entry = entries.emplace_back();
    Fields& fields = entry.fields;
    fields.id = take<PartitionId>(in, end);
    fields.start_s = take<double>(in, end);
    fields.end_s = take<double>(in, end);
    fields.bytes_read = take<std::uint64_t>(in, end);
    fields.round = take<std::uint32_t>(in, end);
    fields.rank = take<std::int32_t>(in, end);
    fields.attempts = take<std::uint16_t>(in, end);
    fields.ok = take<std::uint8_t>(in, end) != 0;
    fields.stolen = take<std::uint8_t>(in, end) != 0;
    fields.cache_hit = take<std::uint8_t>(in, end) != 0;
    take_bytes(in, end, entry.error);
    take_bytes(in, end, entry.partial);
  }
}

}  // namespace kdsched::journal
