// Whether this node is stopping: node_daemon marks it when a shutdown is requested
// (SIGTERM, `--print-actors`), per actor system. A blocking call that would
// otherwise wait and ask again (the zone file system's ports: a zone state with
// no leader, a holder that is slow) gives up at once instead, so stopping a node
// never waits out a retry budget.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace bucky {

// Marks `system`'s node as stopping, as long as `marker` (the daemon) lives.
void mark_node_stopping(caf::event_based_actor* marker);
bool node_stopping(caf::actor_system& system);

}  // namespace bucky
