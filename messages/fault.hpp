// Fault injection on a running node, for chaos tests (actors/fault_injector). Only
// nodes started with BUCKY_FAULT_INJECTION=1 serve it, and only to the owner or
// an admin. Each request sets one kind of fault and leaves the others as they are.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/type_ids.hpp"

namespace bucky {

struct fault_state {
  static constexpr message_type type_id = message_type::fault_state;
  static constexpr const char* type_name = "fault_state";
  std::string node_id;
  std::string faults;  // injected_faults::describe(): "none", "blocked n2; clock +5000 ms", ...
  std::string error;   // non-empty: the request was refused, nothing changed
  MSGPACK_DEFINE(node_id, faults, error);
};

struct fault_request {
  static constexpr message_type type_id = message_type::fault_request;
  static constexpr const char* type_name = "fault_request";
  using response_type = fault_state;
  // heal: no blocked nodes, a healthy disk (a clock that jumped stays ahead).
  enum class kind : std::uint8_t { show, block, disk, clock_jump, heal };
  kind what = kind::show;
  std::vector<std::string> blocked;  // block: exactly these nodes (empty: heal)
  std::uint64_t disk_delay_ms = 0;   // disk
  bool disk_full = false;            // disk
  std::uint64_t clock_jump_ms = 0;   // clock_jump: forward, added to earlier jumps
  MSGPACK_DEFINE(what, blocked, disk_delay_ms, disk_full, clock_jump_ms);
};

}  // namespace bucky

MSGPACK_ADD_ENUM(bucky::fault_request::kind);
