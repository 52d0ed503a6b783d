// Test helpers over the product's admin client calls: echo round trips with the
// error in words, and the actor table of a node.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <variant>

#include "actors/transport/admin_client.hpp"

namespace bucky::testing {

using namespace std::chrono_literals;
using echo_outcome = std::variant<echo_reply, std::string>;  // reply, or the error in words

inline std::string error_of(const echo_outcome& outcome) {
  return std::holds_alternative<std::string>(outcome) ? std::get<std::string>(outcome) : "";
}

inline echo_outcome as_outcome(result<echo_reply> reply) {
  if (reply) return *reply;
  return reply.error().to_string();
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
  echo_request request{std::vector<std::uint8_t>(size, 0x5a), forward_to};
  return as_outcome(call_remote(system, transport, node, actor, request, timeout));
}

inline std::optional<actor_table> remote_table(caf::actor_system& system, const caf::actor& transport,
                                               const std::string& node) {
  auto table = call_remote(system, transport, node, "daemon", actor_table_request{}, 3s);
  if (!table) return std::nullopt;
  return *table;
}

// An admin client with the shorthand the tests use.
class test_admin : public admin_client {
 public:
  using admin_client::admin_client;
  bool wait_connected(const std::set<std::string>& nodes, std::chrono::seconds limit = 20s) {
    return admin_client::wait_connected(nodes, limit);
  }
  echo_outcome echo(const std::string& node, const std::string& forward_to = "", std::size_t size = 16) {
    return remote_echo(system(), transport(), node, "transport", size, 3s, forward_to);
  }
  std::optional<actor_table> table(const std::string& node) { return remote_table(system(), transport(), node); }
};

}  // namespace bucky::testing
