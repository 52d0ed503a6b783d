// node_daemon: the root actor of a bucky-node and the only supervisor (DESIGN §3).
// It starts the children of its config in order, monitors them, carries
// out supervisor_core's decisions, registers each child under its name, and answers
// `table` with an actor_table. It quits normally after a requested shutdown and with
// an error when the restart intensity was exceeded; main() turns that into the
// process exit code. It is registered as "daemon", where remote admins ask it for
// the actor table (actor_table_request).
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/node_daemon/child_spec.hpp"
#include "actors/runtime/message_types.hpp"

namespace bucky {

caf::actor spawn_node_daemon(caf::actor_system& system, node_daemon_config config);

}  // namespace bucky
