#include "storage/row_check.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "storage/checksum.hpp"

namespace bucky::storage {

namespace {

constexpr char sealed_tag = '\xC1';

}  // namespace

std::string seal_value(std::string_view payload) {
  std::string sealed(sealed_overhead_bytes + payload.size(), '\0');
  sealed[0] = sealed_tag;
  write_le32(sealed.data() + 1, crc32_of(payload));
  std::copy(payload.begin(), payload.end(), sealed.begin() + sealed_overhead_bytes);
  return sealed;
}

std::optional<std::string_view> unseal_value(std::string_view stored) {
  if (stored.empty() || stored[0] != sealed_tag) return stored;  // written before checks existed
  if (stored.size() < sealed_overhead_bytes) return std::nullopt;
  auto payload = stored.substr(sealed_overhead_bytes);
  if (crc32_of(payload) != read_le32(stored.data() + 1)) return std::nullopt;
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
