// The node identity file (<data_dir>/identity): which zone this node belongs to,
// its node_id there, and the zone owner's key it trusts (DESIGN §2, §4 step 1). The
// node's key pair stays in node.key beside it. A data dir without this file has not
// joined a zone: the node waits for activation.
//
// Format (text, written whole or not at all, mode 0600):
//   bucky-node-identity-v1
//   zone_id <zone id>
//   node_id <node id>
//   owner_key <base64url Ed25519 key of the zone owner>
#pragma once

#include <optional>
#include <string>

#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::net {

inline constexpr const char* identity_file_name = "identity";

struct node_identity {
  std::string zone_id;
  std::string node_id;
  public_key owner_key;
  bool operator==(const node_identity&) const = default;
};

// nullopt when the file does not exist (not activated); an error naming the file
// and the line when it exists but is not a valid identity.
result<std::optional<node_identity>> load_node_identity(const std::string& data_dir);

// Writes the identity. A data dir joins one zone once: an existing, different
// identity is refused (the same one again is fine).
status save_node_identity(const std::string& data_dir, const node_identity& identity);

}  // namespace bucky::net
