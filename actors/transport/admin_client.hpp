// The admin side of the transport, for programs that are not nodes (the bucky CLI,
// the inspector, tests): an actor system with one transport in admin mode that
// dials every node of the peer directory, and blocking calls on top of it. A call
// names the node and actor and gets a typed answer or a status in words.
#pragma once

#include <chrono>
#include <set>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/runtime/component.hpp"
#include "actors/transport/actor.hpp"
#include "actors/runtime/message_types.hpp"

namespace bucky {

// Asks `node`/`actor` through `transport` and waits (bounded by `timeout` plus a
// margin) for the typed answer.
template <class Request>
result<typename Request::response_type> call_remote(caf::actor_system& system, const caf::actor& transport,
                                                    const std::string& node, const std::string& actor,
                                                    const Request& request, std::chrono::milliseconds timeout) {
  using Response = typename Request::response_type;
  caf::scoped_actor self{system};
  result<Response> out = status(status_code::timeout, "no answer from " + node + "/" + actor);
  self->request(transport, timeout + std::chrono::seconds(2), make_remote_call(node, actor, request, timeout))
      .receive([&](remote_reply& reply) { out = decode_remote_reply<Response>(reply); },
               [&](caf::error& error) {
                 auto code = error == caf::sec::request_timeout ? status_code::timeout : status_code::unavailable;
                 out = status(code, describe_exit_reason(error));
               });
  return out;
}

// The peers this transport has established sessions with.
std::set<std::string> connected_peers(caf::actor_system& system, const caf::actor& transport);

class admin_client {
 public:
  admin_client(const net::key_pair& key, net::peer_directory peers, std::string name = "admin",
               std::string zone_id = "local");
  ~admin_client();
  admin_client(const admin_client&) = delete;
  admin_client& operator=(const admin_client&) = delete;

  // Polls (bounded) until sessions with all of `nodes` are up; false at the deadline.
  bool wait_connected(const std::set<std::string>& nodes, std::chrono::milliseconds limit);
  std::set<std::string> connected() { return connected_peers(system_, transport_); }

  template <class Request>
  result<typename Request::response_type> call(const std::string& node, const std::string& actor,
                                               const Request& request, std::chrono::milliseconds timeout) {
    return call_remote(system_, transport_, node, actor, request, timeout);
  }

  caf::actor_system& system() { return system_; }
  const caf::actor& transport() const { return transport_; }

 private:
  caf::actor_system_config config_;
  caf::actor_system system_;
  caf::actor transport_;
};

}  // namespace bucky
