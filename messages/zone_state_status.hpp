// One zone-state replica's view of itself, for `bucky status`, tools/zone and the
// inspector: its role, whom it takes for the leader, its ballot, how far the log is
// chosen and applied here, and the store's revision.
#pragma once

#include <cstdint>
#include <string>

#include <msgpack.hpp>

#include "messages/type_ids.hpp"

namespace bucky {

struct zone_state_status {
  static constexpr message_type type_id = message_type::zone_state_status;
  static constexpr const char* type_name = "zone_state_status";
  std::string node_id;
  std::string role;    // "leader", "follower", "candidate", "disk_unwritable" (takes no part)
  std::string leader;  // node_id of the leader this replica knows, "" if none
  std::uint64_t ballot_round = 0;  // the highest ballot this replica led or promised
  std::uint64_t chosen_below = 0;   // every slot below is chosen (known here)
  std::uint64_t applied_below = 0;  // every slot below is applied here
  std::int64_t revision = 0;
  MSGPACK_DEFINE(node_id, role, leader, ballot_round, chosen_below, applied_below, revision);
};

struct zone_state_status_request {
  static constexpr message_type type_id = message_type::zone_state_status_request;
  static constexpr const char* type_name = "zone_state_status_request";
  using response_type = zone_state_status;
  MSGPACK_DEFINE();
};

}  // namespace bucky
