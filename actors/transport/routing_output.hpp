// What routing_core asks its shell to do after one event: plain data, carried out
// by the transport actor's carry_out() in the order of the fields below (log, then
// dials, closes, sends, answers to local callers, hand-offs to local actors, then
// timers). Within a field, commands are carried out in order: a `forget` before a
// `keep_connected` of the same node redials it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/encoded_message.hpp"
#include "messages/caller.hpp"
#include "messages/common/status.hpp"
#include "messages/envelope.hpp"
#include "net/peer_directory.hpp"

namespace bucky {

// Log lines as data, so tests read what an operator would.
enum class routing_log_level : std::uint8_t { debug, info, warn };

struct routing_log_line {
  routing_log_level level = routing_log_level::info;
  std::string text;
};

// Keep a node connected (dial now and after every loss, with backoff), or stop and
// close its dialled session.
struct dial_command {
  enum class kind : std::uint8_t { keep_connected, forget };
  kind what = kind::keep_connected;
  net::peer_entry entry;  // keep_connected: name, key and address; forget: name
  std::string why;        // forget
};

struct session_close {
  std::uint64_t session_id = 0;
  std::string why;
};

// One envelope to encode and queue on a session. `tag` is the request id of our
// own requests (a refused send comes back with it), else 0.
struct frame_send {
  std::uint64_t session_id = 0;
  envelope message;
  std::uint64_t tag = 0;
};

// The end of one of our requests: the remote's answer, or why there is none. Each
// request id is answered exactly once.
struct request_answer {
  std::uint64_t request_id = 0;
  result<encoded_message> outcome;
};

// A peer's request for a local actor (the shell asks it and reports the outcome to
// routing_core::on_served, which answers the peer).
struct inbound_request {
  std::uint64_t session_id = 0;
  caller from;
  envelope request;
};

// A node's one-way message for a local actor (routing_core::on_undeliverable if
// the actor refuses it).
struct one_way_delivery {
  std::uint64_t session_id = 0;
  std::string peer;
  envelope message;
};

struct routing_output {
  std::vector<routing_log_line> log;
  std::vector<dial_command> dials;
  std::vector<session_close> closes;
  std::vector<frame_send> sends;
  std::vector<request_answer> answers;
  std::vector<inbound_request> serves;
  std::vector<one_way_delivery> deliveries;
  // Call routing_core::on_tick after each of these delays (a request's deadline).
  std::vector<std::uint64_t> wake_after_ms;
};

}  // namespace bucky
