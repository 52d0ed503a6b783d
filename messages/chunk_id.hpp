// A chunk's name in the zone file system: the SHA-256 of its bytes
// (storage/chunk_hash.hpp; DESIGN §10.1).
// Equal bytes have one name anywhere in the zone, so a chunk is stored once per
// holder and every read can check what it got. Computed by storage/chunk_hash.hpp;
// here only the value, its order and its text form (64 lowercase hex digits, the
// name of its file on a holder's disk).
#pragma once

#include <array>
#include <compare>
#include <cstring>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <msgpack.hpp>

namespace bucky {

struct chunk_id {
  static constexpr std::size_t size_bytes = 32;
  static constexpr std::size_t hex_chars = 2 * size_bytes;
  std::array<std::uint8_t, size_bytes> bytes{};

  auto operator<=>(const chunk_id&) const = default;
  bool operator==(const chunk_id&) const = default;
  std::string hex() const;
  // The first 12 hex digits, for log lines.
  std::string short_hex() const { return hex().substr(0, 12); }
  // Exactly 64 hex digits (either case) or nothing.
  static std::optional<chunk_id> from_hex(std::string_view text);
};

struct chunk_id_hash {
  std::size_t operator()(const chunk_id& id) const {
    std::size_t value = 0;
    for (std::size_t i = 0; i < sizeof value; ++i) value = (value << 8) | id.bytes[i];
    return value;  // the bytes are a cryptographic hash already
  }
};

}  // namespace bucky

// On the wire and in the zone state a chunk_id is one msgpack bin of exactly 32
// bytes; anything else is refused (msgpack-c's own std::array adaptor would copy
// 32 bytes out of a shorter str).
namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
namespace adaptor {

template <>
struct convert<bucky::chunk_id> {
  const msgpack::object& operator()(const msgpack::object& o, bucky::chunk_id& id) const {
    if (o.type != msgpack::type::BIN || o.via.bin.size != bucky::chunk_id::size_bytes) throw msgpack::type_error();
    std::memcpy(id.bytes.data(), o.via.bin.ptr, bucky::chunk_id::size_bytes);
    return o;
  }
};

template <>
struct pack<bucky::chunk_id> {
  template <typename Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const bucky::chunk_id& id) const {
    o.pack_bin(bucky::chunk_id::size_bytes);
    o.pack_bin_body(reinterpret_cast<const char*>(id.bytes.data()), bucky::chunk_id::size_bytes);
    return o;
  }
};

}  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE
}  // namespace msgpack
