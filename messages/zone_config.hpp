// The zone config: the owner-signed document that says which nodes make up a zone
// (DESIGN §2). It names the zone, pins the owner's public key, lists every node with
// its public key and address, says which nodes hold the zone state (1, 3 or 5), and
// carries a version that only goes up. Keys revoked by an earlier version (a dead
// machine replaced under the same node_id) are listed so they are never accepted
// again.
//
// The signature covers the canonical encoding: the msgpack of zone_config with nodes
// sorted by node_id and state_nodes and revoked_keys sorted, prefixed by the domain
// string "bucky zone_config v1\0". Where a document came from never makes it
// trusted: only this signature under the pinned owner key does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "messages/common/status.hpp"
#include "messages/type_ids.hpp"

namespace bucky {

namespace zone_limits {
inline constexpr std::size_t zone_id_bytes_max = 253;  // a DNS name
inline constexpr std::size_t node_id_bytes_max = 63;   // a DNS label
inline constexpr std::size_t nodes_max = 64;
inline constexpr std::size_t revoked_keys_max = 1'024;
inline constexpr std::size_t address_bytes_max = 64;
}  // namespace zone_limits

struct zone_node {
  std::string node_id;
  std::string public_key;  // base64url Ed25519, 43 characters
  std::string address;     // ip:port its transport listens on ("" until known)
  // A gateway node (DESIGN §10.3): a public machine that relays HTTPS connections
  // for *.<zone_id> to the home nodes. Home nodes dial it (it may be the only
  // address they can reach from behind a NAT) and it dials none of them; no
  // service and no chunk is placed on it; it holds no TLS key; never a state node.
  bool gateway = false;
  bool operator==(const zone_node&) const = default;
  MSGPACK_DEFINE(node_id, public_key, address, gateway);
};

struct zone_config {
  static constexpr message_type type_id = message_type::zone_config;
  static constexpr const char* type_name = "zone_config";
  std::string zone_id;
  std::string owner_key;  // base64url Ed25519
  std::uint64_t version = 0;
  std::vector<zone_node> nodes;
  // node_ids holding a zone-state replica: fixed when the zone is created (changing
  // them needs a zone-state reconfiguration); one not yet activated is simply absent
  // from `nodes` until it is.
  std::vector<std::string> state_nodes;
  std::vector<std::string> revoked_keys;  // node keys never to accept again
  bool operator==(const zone_config&) const = default;
  MSGPACK_DEFINE(zone_id, owner_key, version, nodes, state_nodes, revoked_keys);

  const zone_node* find(const std::string& node_id) const;
};

struct signed_zone_config {
  static constexpr message_type type_id = message_type::signed_zone_config;
  static constexpr const char* type_name = "signed_zone_config";
  std::vector<std::uint8_t> config;     // canonical encoding of a zone_config
  std::vector<std::uint8_t> signature;  // Ed25519 by the owner over the domain string + config
  MSGPACK_DEFINE(config, signature);
};

// The same config in canonical order (what gets encoded and signed).
zone_config canonical(zone_config config);

// Shape and syntax: names, key texts, addresses, unique ids and keys, 1, 3 or 5
// state nodes (none of them a gateway node), no listed key also revoked.
status validate(const zone_config& config);

// One DNS label: 1..63 of [a-z0-9-], not starting or ending with '-' (so
// `<node_id>.<zone_id>` is a valid name). Admin names in peers files follow it too.
bool valid_node_id(std::string_view node_id);
bool valid_zone_id(const std::string& zone_id);
// "ip:port": a dotted IPv4 address or a bracketed IPv6 one, port 1..65535.
bool valid_node_address(const std::string& address);

}  // namespace bucky
