// routing_core: what an inbound frame asks for (a request to serve, an answer to
// one of ours, a one-way message to hand on) and the replies to peers' requests.
#include <fmt/format.h>

#include "actors/transport/routing_core.hpp"
#include "messages/codec.hpp"
#include "messages/error_reply.hpp"
#include "messages/limits.hpp"

namespace bucky {

namespace {

}  // namespace

caller caller_of(const net::peer_identity& peer) {
  switch (peer.role) {
    case net::peer_identity::kind::node: return {caller::kind::node, peer.name};
    case net::peer_identity::kind::admin:
      return {peer.name == net::owner_admin_name ? caller::kind::owner : caller::kind::admin, peer.name};
    case net::peer_identity::kind::guest: return {caller::kind::guest, peer.name};
    case net::peer_identity::kind::reader: return {caller::kind::reader, peer.name};
    case net::peer_identity::kind::writer: return {caller::kind::writer, peer.name};
  }
  return {caller::kind::guest, peer.name};
}

std::optional<caller> person_caller(const net::peer_identity& peer) {
  auto who = caller_of(peer);
  if (who.role == caller::kind::node || who.role == caller::kind::guest) return std::nullopt;
  return who;
}

namespace {

// Names longer than an actor name can be are no actor's: never looked up.
bool actor_known(const std::string& name, const actor_lookup& actor_exists) {
  return name.size() <= limits::actor_name_bytes_max && actor_exists(name);
}

}  // namespace

// A malformed envelope ends its session only: the peer's other sessions, and other
// peers, go on.
routing_output routing_core::on_frame(std::uint64_t session_id, const net::peer_identity& peer,
                                      std::span<const std::uint8_t> frame, const actor_lookup& actor_exists) {
  routing_output out;
  auto decoded = decode<envelope>(frame);
  if (!decoded) {
    close(session_id, "malformed envelope", routing_log_level::warn,
          fmt::format("closing session {} with {}: {}", session_id, peer.name, decoded.error().to_string()), out);
    return out;
  }
  auto& message = *decoded;
  switch (message.kind) {
    case envelope_kind::request: serve(session_id, peer, std::move(message), actor_exists, out); break;
    case envelope_kind::response:
    case envelope_kind::error: answer(session_id, peer, message, out); break;
    case envelope_kind::one_way: deliver_one_way(session_id, peer, std::move(message), actor_exists, out); break;
  }
  return out;
}

// Refusals are answered here, in order: a guest reaching past the activation
// actor, an unknown actor, a node already serving inbound_requests_max requests.
void routing_core::serve(std::uint64_t session_id, const net::peer_identity& peer, envelope request,
                         const actor_lookup& actor_exists, routing_output& out) {
  if (peer.role == net::peer_identity::kind::guest && request.destination_actor != guest_actor) {
    reply(session_id, request,
          status(status_code::permission_denied,
                 fmt::format("node {} does not know key {}: a guest may only reach '{}'", config_.node_id,
                             peer.key.to_text(), guest_actor)),
          out);
    return;
  }
  if (!actor_known(request.destination_actor, actor_exists)) {
    reply(session_id, request,
          status(status_code::not_found,
                 fmt::format("no actor '{}' on node {}", request.destination_actor, config_.node_id)),
          out);
    return;
  }
  if (inbound_in_progress_ >= config_.limits.inbound_requests_max) {
    reply(session_id, request,
          status(status_code::unavailable,
                 fmt::format("node {} is busy: {} requests in progress", config_.node_id, inbound_in_progress_)),
          out);
    return;
  }
  ++inbound_in_progress_;
  out.serves.push_back({session_id, caller_of(peer), std::move(request)});
}

routing_output routing_core::on_served(std::uint64_t session_id, const envelope& request,
                                       result<encoded_message> outcome) {
  BUCKY_CHECK_MSG(inbound_in_progress_ > 0, fmt::format("request {} served but none in progress", request.request_id));
  --inbound_in_progress_;
  routing_output out;
  reply(session_id, request, std::move(outcome), out);
  return out;
}

void routing_core::reply(std::uint64_t session_id, const envelope& request, result<encoded_message> outcome,
                         routing_output& out) {
  envelope message;
  message.request_id = request.request_id;
  message.source_actor = request.destination_actor;
  message.destination_actor = request.source_actor;
  if (outcome) {
    message.kind = envelope_kind::response;
    message.type = outcome->type;
    message.payload = std::move(outcome->payload);
  } else {
    message.kind = envelope_kind::error;
    message.type = static_cast<std::uint16_t>(message_type::error_reply);
    message.payload = encode(error_reply::from(outcome.error()));
    if (session_peers_.count(session_id)) ++session_errors_[session_id];  // (not for one that closed meanwhile)
  }
  out.sends.push_back({session_id, std::move(message), 0});
}

// An answer counts only from the session its request went out on.
void routing_core::answer(std::uint64_t session_id, const net::peer_identity& peer, const envelope& response,
                          routing_output& out) {
  auto found = pending_.find(response.request_id);
  if (found == pending_.end()) {
    out.log.push_back({routing_log_level::debug,
                       fmt::format("late answer {} from {} (its request expired)", response.request_id, peer.name)});
    return;
  }
  if (found->second.session_id != session_id) {
    close(session_id, "answer to another peer's request", routing_log_level::warn,
          fmt::format("closing session {}: {} answered request {} that was sent to another peer", session_id,
                      peer.name, response.request_id),
          out);
    return;
  }
  auto waiting = std::move(found->second);
  pending_.erase(found);
  BUCKY_CHECK(deadlines_.erase({waiting.deadline_ms, response.request_id}) == 1);
  if (response.kind == envelope_kind::response) {
    out.answers.push_back({response.request_id, encoded_message{response.type, response.payload}});
    return;
  }
  auto failure = decode<error_reply>(response.payload);
  auto reason = failure ? failure->to_status() : failure.error();
  ++session_errors_[session_id];
  out.answers.push_back(
      {response.request_id, status(reason.code(), fmt::format("{}: {}", waiting.target, reason.to_string()))});
}

// Only nodes send one-way traffic (Paxos); a drop is logged at debug: the protocol
// above retransmits.
void routing_core::deliver_one_way(std::uint64_t session_id, const net::peer_identity& peer, envelope message,
                                   const actor_lookup& actor_exists, routing_output& out) {
  if (peer.role != net::peer_identity::kind::node) {
    close(session_id, "admins may not send one-way messages", routing_log_level::warn,
          fmt::format("closing session {}: admin {} sent one-way message {}", session_id, peer.name, message.type),
          out);
    return;
  }
  if (!actor_known(message.destination_actor, actor_exists)) {
    out.log.push_back({routing_log_level::debug, fmt::format("dropped one-way {} from {}: no actor '{}'",
                                                             message.type, peer.name, message.destination_actor)});
    return;
  }
  out.deliveries.push_back({session_id, peer.name, std::move(message)});
}

routing_output routing_core::on_undeliverable(std::uint64_t session_id, const std::string& peer, const status& why) {
  routing_output out;
  close(session_id, "undeliverable one-way message", routing_log_level::warn,
        fmt::format("closing session {} with {}: {}", session_id, peer, why.to_string()), out);
  return out;
}

}  // namespace bucky
