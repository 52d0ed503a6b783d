// The one way a chunk gets its name: SHA-256 of its bytes. Writers, holders and
// readers all call this, so a chunk that does not hash to its name is corrupt
// wherever it is found.
//
// OpenSSL's SHA-256, not libsodium's: every byte is hashed by its writer, by each
// holder on the way in and on every read. libsodium's SHA-256 is portable C
// (~270 MB/s here) and its BLAKE2b ~560 MB/s; OpenSSL's uses the CPU's SHA
// instructions where it has them (~1,600 MB/s here) and vector code otherwise.
// Measured figures in BENCHMARKS.md. SHA-256 is also what package content ids use.
#pragma once

#include <string_view>

#include "messages/chunk_id.hpp"

namespace bucky {

chunk_id chunk_hash(std::string_view bytes);

}  // namespace bucky
