// relay ("relay"): the gateway node's way in from anywhere (DESIGN §10.3, issue 21).
// On a bucky-node started with --relay-listen (a public machine activated with
// `bucky node activate --gateway`), it takes HTTPS connections for <zone_id> and
// <app>.<zone_id> and carries them, still encrypted, to a home node's gateway over
// the session that home node holds to this one (relay_front.hpp). Home nodes say
// hello to it every few seconds; their gateway actors are the other end.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "actors/runtime/component.hpp"
#include "net/trusted_peers.hpp"

namespace bucky {

inline constexpr const char* relay_actor = "relay";

struct relay_config {
  std::string node_id;
  std::string zone_id;
  std::string listen_host = "0.0.0.0";
  std::uint16_t port = 443;
  std::shared_ptr<net::trusted_peers> peers;  // which nodes are home nodes
  std::uint64_t tick_ms = 1'000;
};

caf::actor spawn_relay(caf::actor_system& system, const child_context& context, relay_config config);

}  // namespace bucky
