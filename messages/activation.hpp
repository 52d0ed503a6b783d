// Activation (machine_active): how a fresh node joins a zone. The node, waiting,
// shows its public key; the owner runs `bucky node activate`, which adds the node to
// a new version of the zone config and sends the node an activation signed by the
// owner key. The activation binds one node_id to that one node key, carries the zone
// config that lists it, and expires: it activates that machine once and nothing
// else (another key refuses it; an activated node refuses any further activation).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/type_ids.hpp"
#include "messages/zone_config.hpp"

namespace bucky {

namespace activation_limits {
inline constexpr std::uint64_t lifetime_ms_max = 24ull * 3'600'000;  // issued -> expires
inline constexpr std::uint64_t lifetime_ms_default = 10ull * 60'000;
inline constexpr std::uint64_t clock_skew_ms_max = 5ull * 60'000;    // issued in the node's future
}  // namespace activation_limits

// What the owner signs (domain "bucky activation v1\0" + msgpack of this).
struct activation {
  static constexpr const char* type_name = "activation";
  std::string zone_id;
  std::string node_id;
  std::string node_key;  // base64url Ed25519 of the node being activated
  std::uint64_t issued_unix_ms = 0;
  std::uint64_t expires_unix_ms = 0;
  signed_zone_config zone;  // a config that lists node_id with node_key
  // A state node joining a zone state that may have voted already (a replaced
  // machine, or the last of a new zone's state nodes): it rebuilds its acceptor from
  // the others before it votes (replica_config::rejoining).
  bool rejoin = false;
  MSGPACK_DEFINE(zone_id, node_id, node_key, issued_unix_ms, expires_unix_ms, zone, rejoin);
};

struct activation_reply {
  static constexpr message_type type_id = message_type::activation_reply;
  static constexpr const char* type_name = "activation_reply";
  std::string zone_id;
  std::string node_id;
  std::uint64_t zone_version = 0;
  MSGPACK_DEFINE(zone_id, node_id, zone_version);
};

struct activation_request {
  static constexpr message_type type_id = message_type::activation_request;
  static constexpr const char* type_name = "activation_request";
  using response_type = activation_reply;
  std::vector<std::uint8_t> body;       // msgpack of `activation`
  std::vector<std::uint8_t> signature;  // Ed25519 by the owner over the domain + body
  MSGPACK_DEFINE(body, signature);
};

}  // namespace bucky
