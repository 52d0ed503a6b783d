// Stable numeric ids of every message that crosses a wire or is stored. Ids are
// never reused or renumbered: a removed message leaves a gap. Append only.
#pragma once

#include <cstdint>

namespace bucky {

enum class message_type : std::uint16_t {
  envelope = 1,
  error_reply = 2,
  actor_status = 3,
  actor_table = 4,
  echo_request = 5,
  echo_reply = 6,
  actor_table_request = 7,
  session_list_request = 8,
  session_list = 9,
  paxos_prepare = 10,
  paxos_promise = 11,
  paxos_accept = 12,
  paxos_accepted = 13,
  paxos_commit = 14,
  paxos_catchup_request = 15,
  paxos_catchup_reply = 16,
  kv_request = 17,
  kv_response = 18,
  kv_client_request = 19,
  kv_client_response = 20,
  paxos_beat_ack = 21,
  paxos_snapshot_chunk = 22,
  paxos_snapshot_ack = 23,
  kv_watch_request = 24,
  kv_watch_response = 25,
  kv_forward_batch = 26,
  kv_forward_batch_response = 27,
  zone_config = 28,
  signed_zone_config = 29,
  zone_config_request = 30,
  zone_config_push = 31,
  zone_config_ack = 32,
  zone_config_version = 33,
  activation_request = 34,
  activation_reply = 35,
  zone_state_status_request = 36,
  zone_state_status = 37,
  paxos_rejoin_request = 38,
  paxos_rejoin_state = 39,
  fault_request = 40,
  fault_state = 41,
  paxos_prevote = 42,
  paxos_prevote_reply = 43,
  log_tail_request = 44,
  log_tail_reply = 45,
  admin_action_reply = 46,
  actor_restart_request = 47,
  step_down_request = 48,
};

}  // namespace bucky
