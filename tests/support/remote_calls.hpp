// Test helpers that ask a transport actor for things, from outside any actor:
// which peers have sessions, and an echo (or actor table) round trip to a node.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <variant>

#include <caf/all.hpp>

#include "actors/runtime/atoms.hpp"
#include "actors/transport/actor.hpp"
#include "actors/transport/wire_types.hpp"

namespace bucky::testing {

using namespace std::chrono_literals;
using echo_outcome = std::variant<echo_reply, std::string>;  // reply, or the error in words

inline std::string error_of(const echo_outcome& outcome) {
  return std::holds_alternative<std::string>(outcome) ? std::get<std::string>(outcome) : "";
}

inline std::set<std::string> connected_peers(caf::actor_system& system, const caf::actor& transport) {
  caf::scoped_actor self{system};
  std::set<std::string> out;
  self->request(transport, 3s, sessions_atom::value)
      .receive(
          [&](std::vector<net::session_info>& sessions) {
            for (auto& s : sessions) {
              if (s.established) out.insert(s.peer);
            }
          },
          [](caf::error&) {});
  return out;
}

// Polls (bounded) until `get_transport()` reports sessions with all of `expected`.
template <class GetTransport>
bool wait_connected(caf::actor_system& system, GetTransport get_transport, const std::set<std::string>& expected,
                    std::chrono::seconds limit = 20s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    auto peers = connected_peers(system, get_transport());
    if (std::includes(peers.begin(), peers.end(), expected.begin(), expected.end())) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

inline echo_outcome remote_echo(caf::actor_system& system, const caf::actor& transport, const std::string& node,
                                const std::string& actor = "transport", std::size_t size = 16,
                                std::chrono::milliseconds timeout = 3s, const std::string& forward_to = "") {
  caf::scoped_actor self{system};
  echo_outcome out = std::string("no answer");
  echo_request request{std::vector<std::uint8_t>(size, 0x5a), forward_to};
  self->request(transport, timeout + 2s, make_remote_call(node, actor, request, timeout))
      .receive(
          [&](remote_reply& reply) {
            auto decoded = decode_remote_reply<echo_reply>(reply);
            if (decoded) out = *decoded;
            else out = decoded.error().to_string();
          },
          [&](caf::error& error) { out = describe_exit_reason(error); });
  return out;
}

inline std::optional<actor_table> remote_table(caf::actor_system& system, const caf::actor& transport,
                                               const std::string& node) {
  caf::scoped_actor self{system};
  std::optional<actor_table> table;
  self->request(transport, 5s, make_remote_call(node, "daemon", actor_table_request{}, 3s))
      .receive(
          [&](remote_reply& reply) {
            auto decoded = decode_remote_reply<actor_table>(reply);
            if (decoded) table = *decoded;
          },
          [](caf::error&) {});
  return table;
}

// An admin's own transport in this process: dials every node of `peers`.
class admin_client {
 public:
  admin_client(const net::key_pair& key, net::peer_directory peers, std::string name = "operator",
               std::string zone_id = "local")
      : system_(config_) {
    transport_config config;
    config.node_id = std::move(name);
    config.admin_client = true;
    config.key = std::make_shared<net::key_pair>(key);
    config.peers = std::move(peers);
    config.connection.zone_id = std::move(zone_id);
    transport_ = spawn_transport(system_, child_context{config.node_id, "transport"}, config);
  }
  ~admin_client() {
    caf::anon_send_exit(transport_, caf::exit_reason::user_shutdown);
    transport_ = nullptr;
  }

  caf::actor_system& system() { return system_; }
  const caf::actor& transport() const { return transport_; }
  bool wait_connected(const std::set<std::string>& nodes, std::chrono::seconds limit = 20s) {
    return testing::wait_connected(system_, [this] { return transport_; }, nodes, limit);
  }
  echo_outcome echo(const std::string& node, const std::string& forward_to = "", std::size_t size = 16) {
    return remote_echo(system_, transport_, node, "transport", size, 3s, forward_to);
  }
  std::optional<actor_table> table(const std::string& node) { return remote_table(system_, transport_, node); }

 private:
  caf::actor_system_config config_;
  caf::actor_system system_;
  caf::actor transport_;
};

}  // namespace bucky::testing
