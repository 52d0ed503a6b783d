// Values that carry their own check (issue 17, defect 4). LMDB checks the
// structure of its pages, not the bytes of the values in them, so a bit flipped
// in a value on disk would be served as it is. A table opened as checked
// (lmdb_env::table(name, checked)) stores each value as
//   0xC1 (a byte that never starts a msgpack object), CRC-32 of the payload
//   (4 bytes, little-endian), the payload
// and read_txn verifies it on every get and scan. A value without the tag was
// written before checks existed and is read as it is (it is checked from its next
// write on).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bucky::storage {

inline constexpr std::size_t sealed_overhead_bytes = 5;

std::string seal_value(std::string_view payload);
// The payload of a stored value; nullopt when it carries a check that fails.
std::optional<std::string_view> unseal_value(std::string_view stored);
// A key as people read it in an error: printable text as is, else hex.
std::string printable_key(std::string_view key);

}  // namespace bucky::storage
