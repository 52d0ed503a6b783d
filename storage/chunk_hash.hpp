// The one way a chunk gets its name: BLAKE2b-256 of its bytes (libsodium's
// crypto_generichash, unkeyed). Writers, holders and readers all call this, so a
// chunk that does not hash to its name is corrupt wherever it is found. BLAKE2b,
// not SHA-256: every byte is hashed by its writer, by each holder on the way in
// and on every read, and libsodium's SHA-256 (portable C, ~200 MB/s here) was a
// third of a node's time in a sequential write; BLAKE2b is as strong and faster.
#pragma once

#include <string_view>

#include "messages/chunk_id.hpp"

namespace bucky {

chunk_id chunk_hash(std::string_view bytes);

}  // namespace bucky
