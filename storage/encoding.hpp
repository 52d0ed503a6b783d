// Byte helpers for what goes into LMDB tables: 8-byte big-endian numbers (so key
// order is number order) and views between encoded messages and LMDB's strings.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "messages/common/status.hpp"

namespace bucky::storage {

std::string big_endian_key(std::uint64_t number);
// Reads back big_endian_key(); `what` names the record in the error.
result<std::uint64_t> from_big_endian_key(std::string_view text, const std::string& what);

inline std::string_view as_text(const std::vector<std::uint8_t>& encoded) {
  return {reinterpret_cast<const char*>(encoded.data()), encoded.size()};
}

inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace bucky::storage
