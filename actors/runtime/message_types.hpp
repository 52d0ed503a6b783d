// Every message type that travels inside CAF messages between actors (decoded
// wire messages, and the remote_call/cast/reply that reach the transport), allowed
// for CAF 0.17, which needs each type named. Included by every actor that serves
// or sends them; the types themselves are plain structs in messages/.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>

#include "messages/activation.hpp"
#include "messages/admin_action.hpp"
#include "messages/actor_table.hpp"
#include "messages/caller.hpp"
#include "messages/echo.hpp"
#include "messages/fault.hpp"
#include "messages/fs.hpp"
#include "messages/gateway.hpp"
#include "messages/kv_client.hpp"
#include "messages/kv_watch.hpp"
#include "messages/chunk.hpp"
#include "messages/log_tail.hpp"
#include "messages/paxos.hpp"
#include "messages/relay.hpp"
#include "messages/remote.hpp"
#include "messages/session_list.hpp"
#include "messages/zone_state_status.hpp"
#include "messages/zone_sync.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::actor_table)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::actor_table_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::echo_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::echo_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::session_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::session_list_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::kv_client_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::kv_client_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_prepare)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_promise)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_accept)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_accepted)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_commit)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_catchup_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_catchup_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_beat_ack)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::kv_watch_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::kv_forward_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::kv_forward_batch_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::kv_watch_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_snapshot_chunk)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_snapshot_ack)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::signed_zone_config)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::zone_config_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::zone_config_push)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::zone_config_ack)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::zone_config_version)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::activation_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::activation_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::zone_state_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::zone_state_status_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::caller)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_rejoin_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_rejoin_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::fault_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::fault_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_prevote)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::paxos_prevote_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::log_tail_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::log_tail_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::admin_action_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::actor_restart_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::step_down_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::chunk_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::chunk_put_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::chunk_get_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::chunk_pull_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::chunk_list_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::chunk_list_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::chunk_drop_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::fs_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::fs_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::gateway_http_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::gateway_http_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::relay_hello)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::relay_open)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::relay_data)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::relay_ack)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::relay_close)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::remote_call)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::remote_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::remote_cast)
