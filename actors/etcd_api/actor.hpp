// etcd_api ("etcdapi"): serves etcd's v3 JSON gateway (etcd_json.hpp) over HTTP/1.1
// on a state node (`bucky-node --api-listen IP:PORT`), so curl scripts written for
// etcd work against a zone. Every request carries a token (Authorization: Bearer
// bucky1.…, made by `bucky api-token`) signed by the owner or a user of /users/;
// the request then reaches the zone-state replica as that caller, which checks it
// against acl_config like any request from the transport. Requests are checked,
// parsed and sent to the replica on the HTTP server's thread, and answered from
// the replica's thread (local_call.hpp): no actor hop in between. Watches stream
// from this actor until the client leaves; at most watches_max at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "actors/runtime/component.hpp"
#include "net/trusted_peers.hpp"

namespace bucky {

inline constexpr const char* etcd_api_actor = "etcdapi";

struct etcd_api_config {
  std::string node_id;
  std::string zone_id;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;
  std::shared_ptr<net::trusted_peers> peers;  // whose tokens count (owner, users)
  std::uint64_t request_timeout_ms = 5'000;
  std::uint32_t watch_wait_ms = 5'000;
  std::size_t watches_max = 256;
};

caf::actor spawn_etcd_api(caf::actor_system& system, const child_context& context, etcd_api_config config);

}  // namespace bucky
