#include "storage/row_check.hpp"

#include <algorithm>

#include <boost/crc.hpp>
#include <fmt/format.h>

namespace bucky::storage {

namespace {

constexpr char sealed_tag = '\xC1';

std::uint32_t crc32_of(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

}  // namespace

std::string seal_value(std::string_view payload) {
  std::string sealed(sealed_overhead_bytes + payload.size(), '\0');
  sealed[0] = sealed_tag;
  auto crc = crc32_of(payload);
  for (int i = 0; i < 4; ++i) sealed[1 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  std::copy(payload.begin(), payload.end(), sealed.begin() + sealed_overhead_bytes);
  return sealed;
}

std::optional<std::string_view> unseal_value(std::string_view stored) {
  if (stored.empty() || stored[0] != sealed_tag) return stored;  // written before checks existed
  if (stored.size() < sealed_overhead_bytes) return std::nullopt;
  std::uint32_t crc = 0;
  for (int i = 3; i >= 0; --i) crc = (crc << 8) | static_cast<std::uint8_t>(stored[1 + i]);
  auto payload = stored.substr(sealed_overhead_bytes);
  if (crc32_of(payload) != crc) return std::nullopt;
  return payload;
}

std::string printable_key(std::string_view key) {
  constexpr std::size_t shown_max = 64;
  auto shown = key.substr(0, shown_max);
  bool text = std::all_of(shown.begin(), shown.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  std::string out;
  if (text) {
    out = "'" + std::string(shown) + "'";
  } else {
    out = "0x";
    for (unsigned char c : shown) out += fmt::format("{:02x}", c);
  }
  return key.size() > shown_max ? out + "..." : out;
}

}  // namespace bucky::storage
