#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace kdsched {

// An opaque serialized value: what travels inside protocol messages (partial results, kernel
// state).
using Bytes = std::vector<char>;

// Compact archives for the `serialize(Archive&, unsigned)` functions that kdsched's messages and
// partial results define in the Boost.Serialization style. Boost's own binary archives build a
// std::locale per archive, which costs more than a whole MPI round trip; these write fields
// back to back in the native layout (every rank runs the same binary) and copy arrays of
// numbers in one go. Boost.MPI collectives still use Boost's archives with the same functions.
class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}

  template <typename T>
  ByteWriter& operator&(const T& value) {
    write(value);
    return *this;
  }
  template <typename T>
  ByteWriter& operator<<(const T& value) {
    return *this & value;
  }

 private:
  void raw(const void* data, std::size_t size) {
    const std::size_t offset = out_.size();
    out_.resize(offset + size);
    if (size > 0) std::memcpy(out_.data() + offset, data, size);
  }

  template <typename T>
  void write(const T& value) {
    if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
      raw(&value, sizeof value);
    } else {
      const_cast<T&>(value).serialize(*this, 0);
    }
  }
  void write(const std::string& text) {
    write(static_cast<std::uint64_t>(text.size()));
    raw(text.data(), text.size());
  }
  template <typename T, typename A>
  void write(const std::vector<T, A>& values) {
    write(static_cast<std::uint64_t>(values.size()));
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      raw(values.data(), values.size() * sizeof(T));
    } else {
      for (const auto& value : values) write(value);
    }
  }

  Bytes& out_;
};

class ByteReader {
 public:
  ByteReader(const char* data, std::size_t size) : data_(data), end_(data + size) {}

  template <typename T>
  ByteReader& operator&(T& value) {
    read(value);
    return *this;
  }
  template <typename T>
  ByteReader& operator>>(T& value) {
    return *this & value;
  }

  bool finished() const { return data_ == end_; }

 private:
  void raw(void* target, std::size_t size) {
    if (static_cast<std::size_t>(end_ - data_) < size) throw std::length_error("truncated message");
    // An empty array's data() may be null, which memcpy does not allow even for zero bytes.
    if (size > 0) std::memcpy(target, data_, size);
    data_ += size;
  }
  std::size_t length() {
    std::uint64_t n = 0;
    read(n);
    if (n > static_cast<std::uint64_t>(end_ - data_)) throw std::length_error("corrupt message length");
    return static_cast<std::size_t>(n);
  }

  template <typename T>
  void read(T& value) {
    if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
      raw(&value, sizeof value);
    } else {
      value.serialize(*this, 0);
    }
  }
  void read(std::string& text) {
    text.resize(length());
    raw(text.data(), text.size());
  }
  template <typename T, typename A>
  void read(std::vector<T, A>& values) {
    const std::size_t n = length();
    values.resize(n);
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      raw(values.data(), n * sizeof(T));
    } else {
      for (auto& value : values) read(value);
    }
  }

  const char* data_;
  const char* end_;
};

template <typename T>
void append_bytes(Bytes& out, const T& value) {
  ByteWriter(out) & value;
}

template <typename T>
Bytes to_bytes(const T& value) {
  Bytes out;
  append_bytes(out, value);
  return out;
}

// Decodes into an existing value, reusing the capacity of its vectors and strings.
template <typename T>
void read_bytes(const char* data, std::size_t size, T& value) {
  ByteReader reader(data, size);
  reader & value;
  if (!reader.finished()) throw std::length_error("message longer than its contents");
}

template <typename T>
T from_bytes(const char* data, std::size_t size) {
  T value{};
  read_bytes(data, size, value);
  return value;
}

template <typename T>
T from_bytes(const Bytes& bytes) {
  return from_bytes<T>(bytes.data(), bytes.size());
}

}  // namespace kdsched
