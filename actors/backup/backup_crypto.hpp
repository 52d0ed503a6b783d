// What a backup target holds, sealed so that only the zone owner reads it (DESIGN
// §10.4, issue 22). Nodes write backups without the owner's key:
//
//  - a chunk is encrypted (XChaCha20-Poly1305) under a key derived from its own
//    bytes (BLAKE2b, its own domain), so the same chunk always seals to the same
//    bytes (a chunk the target has is not sent again) and nobody opens it without
//    having had its contents or the snapshot that lists its key. Its name at the
//    target is a keyed hash of its chunk id under the zone's backup salt: the
//    target's listing does not say which known contents it holds.
//  - a snapshot document (the zone state at one revision and every chunk's key) is
//    encrypted under a fresh random key sealed to the owner's public key, and
//    signed by the node that wrote it: a node cannot read an old one, and an altered
//    one does not open.
//
// Plain functions over bytes; every length is checked before it is used.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "messages/chunk_id.hpp"
#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::backup {

inline constexpr std::size_t key_bytes = 32;
using chunk_key = std::array<std::uint8_t, key_bytes>;
using backup_salt = std::array<std::uint8_t, key_bytes>;

inline constexpr std::size_t sealed_chunk_overhead_bytes = 8 + 16;  // magic, tag
inline constexpr std::size_t chunk_bytes_max = 8 << 20;
inline constexpr std::size_t document_bytes_max = 256 << 20;

// The key a chunk's bytes seal under.
chunk_key key_of_chunk(std::span<const std::uint8_t> plain);
// Its file name at a target: 64 hex digits.
std::string target_chunk_name(const chunk_id& id, const backup_salt& salt);

std::vector<std::uint8_t> seal_chunk(const chunk_key& key, std::span<const std::uint8_t> plain);
// The chunk's bytes, or corruption (not a sealed chunk, altered, or another key).
result<std::vector<std::uint8_t>> open_chunk(const chunk_key& key, std::span<const std::uint8_t> sealed);

struct opened_document {
  std::vector<std::uint8_t> plain;
  net::public_key writer;  // the node that sealed it (its signature checked)
};

// `plain` for `owner` only, signed by `writer`.
std::vector<std::uint8_t> seal_document(const net::public_key& owner, const net::key_pair& writer,
                                        std::span<const std::uint8_t> plain);
// Opened with the owner's key: permission_denied when sealed to another owner,
// corruption when altered or its signature fails.
result<opened_document> open_document(const net::key_pair& owner, std::span<const std::uint8_t> sealed);
// Who wrote it, without opening it (its signature checked): what a node may learn.
result<net::public_key> document_writer(std::span<const std::uint8_t> sealed);

}  // namespace bucky::backup
