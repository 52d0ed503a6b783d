// activation: the one actor a node waiting for activation offers to unknown keys
// (guests of the transport). It checks an activation the owner sent (net/
// activation_sign.hpp); a good one is kept (the zone config first, then the identity
// file, whose existence means "activated"), answered, and node_daemon is asked to
// stop so that bucky-node boots again, now as a member of the zone. Anything after
// the first success is refused: a data dir joins one zone once.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <caf/actor.hpp>

#include "actors/runtime/component.hpp"
#include "net/keys.hpp"

namespace bucky {

// The zone name both ends of an activation session use in the handshake (the
// waiting node belongs to no zone yet).
inline constexpr const char* activation_zone_id = "bucky-activation";
// In the data dir of a state node that replaces a dead machine (paxos_config::rejoin_marker).
inline constexpr const char* rejoin_marker_name = "rejoin";

struct activation_config {
  std::string data_dir;
  std::string node_id;  // when the node was started with --node-id: only this name
  net::public_key own_key;
  std::optional<net::public_key> owner_key;  // when started with --owner-key: only this owner
  std::uint64_t restart_delay_ms = 300;       // lets the answer leave before the node stops
};

caf::actor spawn_activation(caf::actor_system& system, const child_context& context, activation_config config);

}  // namespace bucky
