#include "storage/encoding.hpp"

namespace bucky::storage {

std::string big_endian_key(std::uint64_t number) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(number & 0xff);
    number >>= 8;
  }
  return out;
}

result<std::uint64_t> from_big_endian_key(std::string_view text, const std::string& what) {
  if (text.size() != 8) return status(status_code::corruption, what + " is not an 8-byte number");
  std::uint64_t number = 0;
  for (char c : text) number = (number << 8) | static_cast<unsigned char>(c);
  return number;
}

}  // namespace bucky::storage
