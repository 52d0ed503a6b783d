#include "messages/chunk_id.hpp"

namespace bucky {

namespace {
constexpr char hex_digits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string chunk_id::hex() const {
  std::string text(hex_chars, '0');
  for (std::size_t i = 0; i < size_bytes; ++i) {
    text[2 * i] = hex_digits[bytes[i] >> 4];
    text[2 * i + 1] = hex_digits[bytes[i] & 0xf];
  }
  return text;
}

std::optional<chunk_id> chunk_id::from_hex(std::string_view text) {
  if (text.size() != hex_chars) return std::nullopt;
  chunk_id id;
  for (std::size_t i = 0; i < size_bytes; ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    id.bytes[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return id;
}

}  // namespace bucky
