// A node's transport sessions, as the CLI and the inspector show them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/type_ids.hpp"

namespace bucky {

struct session_row {
  std::string peer;            // node_id or admin name; "?" before the handshake
  std::string remote_address;  // "ip:port"
  bool outbound = false;       // this node dialled it
  bool established = false;
  std::uint64_t age_ms = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t errors = 0;    // error answers to requests, sent or received on this session
  MSGPACK_DEFINE(peer, remote_address, outbound, established, age_ms, bytes_in, bytes_out, errors);
};

struct session_list {
  static constexpr message_type type_id = message_type::session_list;
  static constexpr const char* type_name = "session_list";

  std::string node_id;
  std::vector<session_row> sessions;
  MSGPACK_DEFINE(node_id, sessions);
};

// Asks a node's transport (actor "transport") for its session_list.
struct session_list_request {
  static constexpr message_type type_id = message_type::session_list_request;
  static constexpr const char* type_name = "session_list_request";
  using response_type = session_list;

  std::uint8_t unused = 0;
  MSGPACK_DEFINE(unused);
};

}  // namespace bucky
