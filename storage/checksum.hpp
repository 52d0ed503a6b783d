// The CRC-32 and little-endian number encoding that storage/ puts beside bytes it
// writes by hand (append_log records and segment headers, checked LMDB values).
#pragma once

#include <cstdint>
#include <string_view>

#include <boost/crc.hpp>

namespace bucky::storage {

inline std::uint32_t crc32_of(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

inline std::uint32_t read_le32(const char* p) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<std::uint8_t>(p[i]);
  return value;
}

inline void write_le32(char* p, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

inline std::uint64_t read_le64(const char* p) { return read_le32(p) | (std::uint64_t{read_le32(p + 4)} << 32); }

inline void write_le64(char* p, std::uint64_t value) {
  write_le32(p, static_cast<std::uint32_t>(value));
  write_le32(p + 4, static_cast<std::uint32_t>(value >> 32));
}

}  // namespace bucky::storage
