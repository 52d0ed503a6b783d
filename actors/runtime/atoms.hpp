// The CAF atoms of the runtime's own protocol between node_daemon, its children and
// main(). CAF 0.17 atoms hold at most 10 characters.
#pragma once

#include <caf/atom.hpp>

namespace bucky {

using stats_atom = caf::atom_constant<caf::atom("stats")>;        // child -> its counters
using table_atom = caf::atom_constant<caf::atom("table")>;        // daemon -> actor_table
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;  // stop children, exit
using stop_tmo_atom = caf::atom_constant<caf::atom("stop_tmo")>;  // a stop took too long
using probe_atom = caf::atom_constant<caf::atom("probe")>;        // re-probe starting child
using restart_atom = caf::atom_constant<caf::atom("restart")>;    // an operator's restart, now
using crash_atom = caf::atom_constant<caf::atom("crash")>;        // tests: throw now
using tail_atom = caf::atom_constant<caf::atom("tail")>;          // log_tail lines
using sessions_atom = caf::atom_constant<caf::atom("sessions")>;  // transport sessions
using peer_message_atom = caf::atom_constant<caf::atom("peer_msg")>;  // (peer, msg) from the wire
using peers_atom = caf::atom_constant<caf::atom("peers")>;        // trusted peers changed
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;

}  // namespace bucky
