// transport: the one door between this node's actors and other nodes (DESIGN §6).
// It owns a tcp_io (sockets, handshakes, sessions) and carries out what its
// routing_core decides: keep the nodes of the peer directory connected; send a
// remote_call from a local actor as a request whose promise waits for the answer;
// ask the named local actor an inbound request (decoded by the wire registry);
// answer unknown actors and types with an error reply; end only its own session
// on a malformed envelope. When a session ends, every request waiting on it fails
// at once with the reason.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/runtime/component.hpp"
#include "actors/runtime/injected_faults.hpp"
#include "actors/runtime/message_types.hpp"
#include "actors/transport/routing_core.hpp"
#include "net/trusted_peers.hpp"
#include "net/tcp_io.hpp"

namespace bucky {

struct transport_config {
  std::string node_id;       // for an admin client: its admin name
  bool admin_client = false; // dials every node, listens nowhere
  std::shared_ptr<const net::key_pair> key;
  std::shared_ptr<net::trusted_peers> peers;  // read at every handshake; `peers` message: it changed
  std::shared_ptr<const injected_faults> faults;  // tests: blocked nodes are refused (`peers` message: changed)
  // A node waiting for activation lets unknown keys in as guests, who may reach
  // only the `activation` actor (and never send one-way messages).
  bool accept_guests = false;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;
  net::connection_options connection;
  // A safety net only: every component answers by its own deadline (the zone state
  // within its 5 s request timeout, a watch within its wait of up to 30 s), and must
  // win the race, or a caller gets "timeout" instead of the component's own words.
  std::uint64_t inbound_request_timeout_ms = 35'000;
  routing_limits routing;  // requests waiting and being served (routing_core.hpp)
};

// Spawns the transport as a node_daemon child.
caf::actor spawn_transport(caf::actor_system& system, const child_context& context, transport_config config);

}  // namespace bucky

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::net::io_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<bucky::net::session_info>)
