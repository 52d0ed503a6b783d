// state_client: the zone state for a node that holds no replica (DESIGN §4 step 4,
// "others: start a state client"). Local actors ask it as they would ask `paxos`
// (kv_client_request, kv_watch_request); it passes each request to a state node over
// the transport, where it is checked against acl_config as this node's, sticking to
// the state node that answered last and moving on when one does not answer. It is
// not reachable from the transport itself (no caller-less relay for other keys).
//
// Boot: it reads the zone state through that path until one read succeeds, then logs
// "boot: ready" with the node that answered and the revision.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/runtime/component.hpp"

namespace bucky {

inline constexpr const char* state_client_actor = "zstate";

struct state_client_config {
  std::string node_id;
  std::vector<std::string> state_nodes;  // whom to ask, in order
  std::uint64_t request_timeout_ms = 5'000;
  std::uint64_t ready_probe_interval_ms = 500;
};

// The actor a local component asks for the zone state: the replica ("paxos") on a
// state node, the state client elsewhere; an invalid handle while neither runs.
caf::actor local_zone_state(caf::actor_system& system);

caf::actor spawn_state_client(caf::actor_system& system, const child_context& context, state_client_config config);

}  // namespace bucky
