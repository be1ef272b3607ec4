#pragma once

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace kdsched {

// An opaque serialized value: what travels inside protocol messages (partial results, kernel
// state). Every rank runs the same binary, so the native binary archive is safe and compact.
using Bytes = std::vector<char>;

template <typename T>
Bytes to_bytes(const T& value) {
  std::ostringstream stream(std::ios::binary);
  {
    boost::archive::binary_oarchive archive(stream, boost::archive::no_header);
    archive << value;
  }
  const std::string text = std::move(stream).str();
  return Bytes(text.begin(), text.end());
}

template <typename T>
T from_bytes(const char* data, std::size_t size) {
  std::istringstream stream(std::string(data, size), std::ios::binary);
  boost::archive::binary_iarchive archive(stream, boost::archive::no_header);
  T value;
  archive >> value;
  return value;
}

template <typename T>
T from_bytes(const Bytes& bytes) {
  return from_bytes<T>(bytes.data(), bytes.size());
}

}  // namespace kdsched
