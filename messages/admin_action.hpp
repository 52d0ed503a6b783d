// Operator actions on a running node, sent by the inspector (and the CLI) with an
// admin key: restart one supervised actor through node_daemon, or ask the zone
// state's leader to step down. Each answers what it did, or why it did nothing.
#pragma once

#include <cstdint>
#include <string>

#include <msgpack.hpp>

#include "messages/type_ids.hpp"

namespace bucky {

struct admin_action_reply {
  static constexpr message_type type_id = message_type::admin_action_reply;
  static constexpr const char* type_name = "admin_action_reply";
  std::string node_id;
  bool done = false;
  std::string message;  // what happened, or why nothing did
  MSGPACK_DEFINE(node_id, done, message);
};

// To "daemon": stop the named child as if it had crashed with "restarted by <admin>";
// node_daemon restarts it by its spec. Such restarts do not use the restart budget.
struct actor_restart_request {
  static constexpr message_type type_id = message_type::actor_restart_request;
  static constexpr const char* type_name = "actor_restart_request";
  using response_type = admin_action_reply;
  std::string name;
  MSGPACK_DEFINE(name);
};

// To "paxos": if this replica leads, it stops leading and stays out of elections
// for a while, so another replica takes over; otherwise it says who leads.
struct step_down_request {
  static constexpr message_type type_id = message_type::step_down_request;
  static constexpr const char* type_name = "step_down_request";
  using response_type = admin_action_reply;
  std::uint8_t unused = 0;
  MSGPACK_DEFINE(unused);
};

}  // namespace bucky
