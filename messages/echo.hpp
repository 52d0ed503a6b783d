// echo: a request any node's transport answers with the same bytes. Used to check
// that a peer is reachable through the whole path, and by the transport benchmark.
#pragma once

#include <cstdint>
#include <vector>

#include <msgpack.hpp>

#include "messages/type_ids.hpp"

namespace bucky {

struct echo_reply {
  static constexpr message_type type_id = message_type::echo_reply;
  static constexpr const char* type_name = "echo_reply";

  std::string node_id;  // who answered
  std::vector<std::uint8_t> data;
  MSGPACK_DEFINE(node_id, data);
};

struct echo_request {
  static constexpr message_type type_id = message_type::echo_request;
  static constexpr const char* type_name = "echo_request";
  using response_type = echo_reply;

  std::vector<std::uint8_t> data;
  // When set, the receiving transport asks this node's transport in turn and returns
  // its answer: checks the path between two nodes from a third place (an admin).
  std::string forward_to;
  MSGPACK_DEFINE(data, forward_to);
};

}  // namespace bucky
