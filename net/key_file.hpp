// The node key file in the data dir (<data_dir>/node.key): the node's Ed25519 seed,
// readable by its owner only. bucky-node refuses to start when the file is readable
// by group or others, or malformed; it creates one when none exists.
//
// Format (text, one line after comments):
//   bucky-node-key-v1 <base64url seed, 43 characters>
#pragma once

#include <string>

#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::net {

inline constexpr const char* key_file_name = "node.key";

result<key_pair> load_key_file(const std::string& path);
status save_key_file(const std::string& path, const key_pair& key);
// Loads the key, or creates and saves a fresh one when the file does not exist.
result<key_pair> load_or_create_key_file(const std::string& path);

}  // namespace bucky::net
