#include "journal/entry.hpp"

#include "common/error.hpp"

namespace kdsched::journal {

void append_entry(Bytes& batch, const Fields& fields, std::string_view error, std::span<const char> partial) {
  ByteWriter writer(batch);
  writer & fields & static_cast<std::uint64_t>(error.size());
  batch.insert(batch.end(), error.begin(), error.end());
  writer & static_cast<std::uint64_t>(partial.size());
  batch.insert(batch.end(), partial.begin(), partial.end());
}

void read_batch(std::span<const char> batch, std::vector<Entry>& entries) {
  try {
    ByteReader reader(batch.data(), batch.size());
    while (!reader.finished()) {
      Entry& entry = entries.emplace_back();
      reader & entry.fields & entry.error & entry.partial;
    }
  } catch (const std::length_error&) {
    throw IoError("journal: a batch of outcomes is corrupt");
  }
}

}  // namespace kdsched::journal
