// Who may connect, and where nodes listen: the node entries (node_id, public key,
// address) and admin entries (name, public key) this node trusts. A node of a zone
// takes them from its verified zone config (the nodes, and the owner as the admin
// "owner"); a development node without an identity takes them from a peers file:
//
//   # comment
//   node  <node_id> <public key, base64url> <ip>:<port>
//   admin <name>    <public key, base64url>
//
// Parsing names the file and line of every problem.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/common/status.hpp"
#include "net/handshake.hpp"

namespace bucky {
struct zone_config;
}

namespace bucky::net {

// The admin name under which the zone owner's key connects.
inline constexpr const char* owner_admin_name = "owner";

struct peer_entry {
  peer_identity identity;
  std::string host;    // nodes only
  std::uint16_t port = 0;
  bool gateway = false;  // a gateway node of the zone config (home nodes dial it, it dials none)
};

class peer_directory {
 public:
  static result<peer_directory> parse(std::string_view text, const std::string& origin);
  static result<peer_directory> load(const std::string& path);
  // The nodes of a verified zone config (those without an address yet are trusted
  // but not dialed: port 0) and its owner as the admin "owner".
  static result<peer_directory> from_zone_config(const zone_config& config);

  // One more admin (a user of /users/); refused when the name or key is taken.
  status add_admin(const std::string& name, const public_key& key, const std::string& where);
  // A person (admin, reader or writer) from the zone's users.
  status add_person(const std::string& name, const public_key& key, peer_identity::kind role, const std::string& where);

  std::optional<peer_identity> authorize(const public_key& key) const;
  const peer_entry* node(const std::string& node_id) const;
  const std::vector<peer_entry>& entries() const { return entries_; }
  // "node <id> <key> <host>:<port>" lines that parse back to this directory.
  std::string to_text() const;

 private:
  status add(peer_entry entry, const std::string& where);
  std::vector<peer_entry> entries_;
};

// node_id and admin names: 1..63 of [a-z0-9-], not starting or ending with '-'
// (a DNS label, so `<node_id>.<zone_id>` is a valid name).
bool valid_peer_name(std::string_view name);

}  // namespace bucky::net
