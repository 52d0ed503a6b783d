// node_daemon: the root actor of a bucky-node and the only supervisor (DESIGN §3).
// It starts the children of its config in order, monitors them, carries
// out supervisor_core's decisions, registers each child under its name, and answers
// `table` with an actor_table. It quits normally after a requested shutdown and with
// an error when the restart intensity was exceeded; main() turns that into the
// process exit code.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/node_daemon/child_spec.hpp"
#include "messages/actor_table.hpp"

// The table travels between local actors only; across nodes it goes msgpack-encoded.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::actor_table)

namespace bucky {

caf::actor spawn_node_daemon(caf::actor_system& system, node_daemon_config config);

}  // namespace bucky
