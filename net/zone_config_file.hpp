// A signed zone config kept in a file: a node's cached copy (<data_dir>/zone_config)
// or the owner's working copy. The file holds the msgpack of signed_zone_config as it
// travels; loading verifies it (under the pinned owner when one is given).
#pragma once

#include <optional>
#include <string>

#include "messages/zone_config.hpp"
#include "net/keys.hpp"

namespace bucky::net {

inline constexpr const char* zone_config_file_name = "zone_config";  // in a node's data dir

struct verified_zone_config {
  signed_zone_config document;
  zone_config config;
};

// The verified config in `path`; an error naming the file when it cannot be read,
// does not decode or does not verify.
result<verified_zone_config> load_zone_config_file(const std::string& path,
                                                    const std::optional<public_key>& pinned_owner);
// Written whole or not at all (mode 0644: a zone config is public).
status save_zone_config_file(const std::string& path, const signed_zone_config& document);

}  // namespace bucky::net
