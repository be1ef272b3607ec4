#include "journal/entry.hpp"

#include "common/error.hpp"

#include <cstring>

namespace kdsched::journal {
namespace {

enum Flag : std::uint8_t { ok = 1, stolen = 2, cache_hit = 4, has_error = 8 };

constexpr std::size_t max_varint = 10;

char* put_varint(char* out, std::uint64_t value) {
  while (value >= 0x80) {
    *out++ = static_cast<char>(value | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<char>(value);
  return out;
}

// Times travel as whole nanoseconds: a start a few seconds or hours into the job takes 5 or 6
// bytes, a duration of a tiny partition one, where a double takes 8 each.
constexpr double ns_per_s = 1e9;

// Clamped to what 64 bits of nanoseconds hold (584 years).
std::uint64_t to_ns(double seconds) {
  constexpr double most = 1.8e19;
  const double ns = seconds * ns_per_s + 0.5;
  if (!(ns > 0)) return 0;
  return ns >= most ? static_cast<std::uint64_t>(most) : static_cast<std::uint64_t>(ns);
}

char* put_bytes(char* out, std::span<const char> bytes) {
  out = put_varint(out, bytes.size());
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
  return out + bytes.size();
}

[[noreturn]] void corrupt() { throw IoError("journal: a batch of outcomes is corrupt"); }

// Readers of what the put_ functions wrote at `in`, moving it on; they throw IoError when `end`
// comes first.
std::uint64_t take_varint(const char*& in, const char* end) {
  std::uint64_t value = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (in == end) corrupt();
    const auto byte = static_cast<std::uint8_t>(*in++);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return value;
  }
  corrupt();
}


template <typename Container>
void take_bytes(const char*& in, const char* end, Container& bytes) {
  const std::uint64_t size = take_varint(in, end);
  if (size > static_cast<std::uint64_t>(end - in)) corrupt();
  bytes.assign(in, in + size);
  in += size;
}

}  // namespace

void append_entry(Batch& batch, const Fields& fields, std::string_view error, std::span<const char> partial) {
  const std::size_t at = batch.size();
  batch.resize(at + 1 + 9 * max_varint + error.size() + partial.size());
  char* out = batch.data() + at;
  *out++ = static_cast<char>((fields.ok ? ok : 0) | (fields.stolen ? stolen : 0) | (fields.cache_hit ? cache_hit : 0) |
                             (error.empty() ? 0 : has_error));
  out = put_varint(out, fields.id);
  out = put_varint(out, fields.round);
  out = put_varint(out, static_cast<std::uint32_t>(fields.rank));
  out = put_varint(out, fields.attempts);
  const std::uint64_t start_ns = to_ns(fields.start_s);
  const std::uint64_t end_ns = to_ns(fields.end_s);
  out = put_varint(out, start_ns);
  out = put_varint(out, end_ns > start_ns ? end_ns - start_ns : 0);
  out = put_varint(out, fields.bytes_read);
  if (!error.empty()) out = put_bytes(out, error);
  out = put_bytes(out, partial);
  batch.resize(static_cast<std::size_t>(out - batch.data()));
}

void read_batch(std::span<const char> batch, std::vector<Entry>& entries) {
  const char* in = batch.data();
  const char* const end = batch.data() + batch.size();
  while (in != end) {
    Entry& entry = entries.emplace_back();
    Fields& fields = entry.fields;
    const auto flags = static_cast<std::uint8_t>(*in++);
    fields.ok = (flags & ok) != 0;
    fields.stolen = (flags & stolen) != 0;
    fields.cache_hit = (flags & cache_hit) != 0;
    fields.id = take_varint(in, end);
    fields.round = static_cast<std::uint32_t>(take_varint(in, end));
    fields.rank = static_cast<std::int32_t>(static_cast<std::uint32_t>(take_varint(in, end)));
    fields.attempts = static_cast<std::uint16_t>(take_varint(in, end));
    const std::uint64_t start_ns = take_varint(in, end);
    const std::uint64_t duration_ns = take_varint(in, end);
    fields.start_s = static_cast<double>(start_ns) / ns_per_s;
    fields.end_s = static_cast<double>(start_ns + duration_ns) / ns_per_s;
    fields.bytes_read = take_varint(in, end);
    if ((flags & has_error) != 0) take_bytes(in, end, entry.error);
    take_bytes(in, end, entry.partial);
  }
}

}  // namespace kdsched::journal
