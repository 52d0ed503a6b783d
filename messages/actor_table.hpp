// node_daemon's view of its supervised actors: one actor_status row per child spec.
// Printed by `bucky-node` on SIGUSR1 and read by the inspector TUI (later issue).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/common/status.hpp"
#include "messages/limits.hpp"
#include "messages/type_ids.hpp"

namespace bucky {

enum class actor_state : std::uint8_t { starting = 0, running, restarting, stopping, stopped };

const char* actor_state_name(actor_state state);

struct actor_status {
  static constexpr message_type type_id = message_type::actor_status;
  static constexpr const char* type_name = "actor_status";

  std::string name;
  actor_state state = actor_state::stopped;
  std::uint32_t restart_count = 0;
  std::string last_crash_reason;          // empty: never crashed
  std::int64_t last_crash_unix_ms = 0;    // 0: never crashed
  std::uint64_t messages_handled = 0;     // across restarts of this child
  std::int64_t mailbox_size = -1;         // -1: not obtainable (actor busy or down)

  status validate() const;
  MSGPACK_DEFINE(name, state, restart_count, last_crash_reason, last_crash_unix_ms,
                 messages_handled, mailbox_size);
};

struct actor_table {
  static constexpr message_type type_id = message_type::actor_table;
  static constexpr const char* type_name = "actor_table";

  std::string node_id;
  std::int64_t captured_unix_ms = 0;
  std::uint32_t restarts_max = 0;            // restart intensity: at most this many...
  std::uint64_t restart_period_ms = 0;       // ...restarts within this period
  std::uint32_t restarts_in_period = 0;      // budget used right now
  std::vector<actor_status> actors;          // in start order

  status validate() const;
  MSGPACK_DEFINE(node_id, captured_unix_ms, restarts_max, restart_period_ms,
                 restarts_in_period, actors);
};

// Asks a node's node_daemon (actor "daemon") for its actor_table.
struct actor_table_request {
  static constexpr message_type type_id = message_type::actor_table_request;
  static constexpr const char* type_name = "actor_table_request";
  using response_type = actor_table;

  std::uint8_t unused = 0;  // msgpack needs a field
  MSGPACK_DEFINE(unused);
};

}  // namespace bucky

MSGPACK_ADD_ENUM(bucky::actor_state);
