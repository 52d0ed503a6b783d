// The one way a chunk gets its name: SHA-256 of its bytes (libsodium). Writers,
// holders and readers all call this, so a chunk that does not hash to its name is
// corrupt wherever it is found.
#pragma once

#include <string_view>

#include "messages/chunk_id.hpp"

namespace bucky {

chunk_id chunk_hash(std::string_view bytes);

}  // namespace bucky
