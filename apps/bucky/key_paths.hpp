// Where the CLI and the inspector look for keys by default.
#pragma once

#include <string>

namespace bucky::cli {

// ~/.bucky/<zone_id>.owner.key: where `bucky zone create` keeps the owner key.
std::string default_owner_key_path(const std::string& zone_id);

}  // namespace bucky::cli
