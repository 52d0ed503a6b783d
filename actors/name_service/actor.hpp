// name_service: this node's keeper of the zone config (DESIGN §3). It holds the
// newest verified version, keeps it in <data_dir>/zone_config, answers peers and the
// owner's CLI, and adopts a newer version from wherever it comes (a push from the
// CLI, a peer's gossip) only after verifying it under the owner key the node pinned
// at activation and checking it may replace the current one. Adopting one updates
// the trusted peers and tells the transport. A version that no longer lists this
// node with its key is kept (so the node refuses to start again) and the actor
// stops with the reason: the machine was removed or replaced.
//
// DNS: with dns set it answers `<node_id>.<zone_id>` A/AAAA and the zone's TXT record
// from the config it holds, so `dig @host -p port nas.home.example` works.
//
// Gossip: every gossip_interval_ms it tells every other node the version it holds
// (one-way, dropped when there is no session); a node with a newer version answers
// with the document, so a node that was down during a change catches up.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "actors/runtime/component.hpp"
#include "net/keys.hpp"
#include "net/trusted_peers.hpp"

namespace bucky {

inline constexpr const char* name_service_actor = "name_svc";

struct name_service_config {
  std::string node_id;
  std::string data_dir;  // holds the cached zone config (written at boot)
  net::public_key owner_key;
  net::public_key own_key;
  std::shared_ptr<net::trusted_peers> peers;
  std::uint64_t gossip_interval_ms = 2'000;
  // When set: answer DNS over UDP here (net/dns_zone.hpp) for the zone config held.
  std::string dns_listen_host;
  std::uint16_t dns_listen_port = 0;
  bool dns = false;
};

caf::actor spawn_name_service(caf::actor_system& system, const child_context& context, name_service_config config);

}  // namespace bucky
