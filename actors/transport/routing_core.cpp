#include "actors/transport/routing_core.hpp"

#include <fmt/format.h>

#include "actors/transport/dial_rule.hpp"

namespace bucky {

namespace {

const char* role_name(net::peer_identity::kind role) {
  switch (role) {
    case net::peer_identity::kind::node: return "node";
    case net::peer_identity::kind::admin: return "admin";
    case net::peer_identity::kind::guest: return "guest";
    case net::peer_identity::kind::reader: return "reader";
    case net::peer_identity::kind::writer: return "writer";
  }
  return "?";
}

}  // namespace

routing_core::routing_core(routing_config config) : config_(std::move(config)) {
  BUCKY_CHECK(config_.limits.pending_requests_max > 0);
  BUCKY_CHECK(config_.limits.rejection_reasons_max > 0);
  BUCKY_CHECK(config_.limits.rejection_log_every > 0);
}

routing_output routing_core::start(const net::peer_directory& peers) {
  routing_output out;
  sync_dials(peers, out);
  return out;
}

routing_output routing_core::on_peers_changed(const net::peer_directory& peers,
                                              const std::set<std::string>& blocked) {
  routing_output out;
  sync_dials(peers, out);
  redial_unblocked(blocked, out);
  close_untrusted(peers, blocked, out);
  return out;
}

// Nodes that left, or whose key or address changed, are forgotten first (and
// dialled again under their new entry).
void routing_core::sync_dials(const net::peer_directory& peers, routing_output& out) {
  auto wanted = nodes_to_dial(peers, config_.node_id, config_.admin_client);
  for (auto it = dialled_.begin(); it != dialled_.end();) {
    auto next = wanted.find(it->first);
    if (next != wanted.end() && same_dial_target(it->second, next->second)) {
      ++it;
      continue;
    }
    out.dials.push_back({dial_command::kind::forget, it->second, "its zone config entry changed"});
    it = dialled_.erase(it);
  }
  for (const auto& [name, entry] : wanted) {
    if (dialled_.count(name)) continue;
    out.dials.push_back({dial_command::kind::keep_connected, entry, {}});
    dialled_.emplace(name, entry);
  }
}

// A node no longer blocked by an injected fault is dialled at once, not after the
// backoff its refusals built up (a healed partition heals now).
void routing_core::redial_unblocked(const std::set<std::string>& blocked, routing_output& out) {
  for (const auto& name : blocked_) {
    auto dialled = dialled_.find(name);
    if (blocked.count(name) || dialled == dialled_.end()) continue;
    out.dials.push_back({dial_command::kind::forget, dialled->second, "unblocked: dialling again"});
    out.dials.push_back({dial_command::kind::keep_connected, dialled->second, {}});
  }
  blocked_ = blocked;
}

// Sessions of keys the directory no longer trusts as the same peer (a revoked or
// removed node), or of blocked nodes, end. Guests are let in by the shell's
// authorizer, not the directory, and stay.
void routing_core::close_untrusted(const net::peer_directory& peers, const std::set<std::string>& blocked,
                                   routing_output& out) {
  for (const auto& [session_id, peer] : session_peers_) {
    if (peer.role == net::peer_identity::kind::guest) continue;
    if (blocked.count(peer.name)) {
      close(session_id, "blocked by an injected fault", routing_log_level::info,
            fmt::format("closing session {} with {}: blocked by an injected fault", session_id, peer.name), out);
      continue;
    }
    auto now = peers.authorize(peer.key);
    if (now && now->name == peer.name && now->role == peer.role) continue;
    close(session_id, "key no longer trusted", routing_log_level::info,
          fmt::format("closing session {} with {}: its key is no longer trusted by the zone config", session_id,
                      peer.name),
          out);
  }
}

// The newest session with a node carries its traffic; an older one is closed, and
// the requests it carries fail when its close is reported (on_connection_end).
routing_output routing_core::on_session_established(std::uint64_t session_id, const net::peer_identity& peer,
                                                    bool outbound, const std::string& remote_address) {
  BUCKY_CHECK_MSG(!session_peers_.count(session_id), fmt::format("session {} established twice", session_id));
  routing_output out;
  session_peers_[session_id] = peer;
  if (peer.role == net::peer_identity::kind::node) {
    auto previous = routes_.find(peer.name);
    if (previous != routes_.end() && previous->second != session_id) {
      out.closes.push_back({previous->second, "replaced by a newer session"});
    }
    routes_[peer.name] = session_id;
  }
  out.log.push_back({routing_log_level::info,
                     fmt::format("session {} with {} {} at {} established ({})", session_id, role_name(peer.role),
                                 peer.name, remote_address, outbound ? "dialled" : "accepted")});
  return out;
}

routing_output routing_core::on_connection_end(const connection_end& end) {
  routing_output out;
  auto known = session_peers_.find(end.session_id);
  if (known == session_peers_.end()) {
    note_failed_connection(end, out);
    return out;
  }
  auto peer = known->second.name;
  session_peers_.erase(known);
  session_errors_.erase(end.session_id);
  // Only the session that carries the node's traffic takes the route with it: a
  // replaced session's close leaves its successor's route alone.
  if (auto route = routes_.find(peer); route != routes_.end() && route->second == end.session_id) {
    routes_.erase(route);
  }
  std::string why = end.reason.is_ok() ? "peer said goodbye" : end.reason.to_string();
  out.log.push_back({routing_log_level::info, fmt::format("session {} with {} closed: {}", end.session_id, peer, why)});
  std::vector<std::uint64_t> orphaned;
  for (const auto& [id, waiting] : pending_) {
    if (waiting.session_id == end.session_id) orphaned.push_back(id);
  }
  for (auto id : orphaned) {
    fail_request(id, status(status_code::unavailable, fmt::format("disconnected from {}: {}", peer, why)), out);
  }
  return out;
}

// A connection that never got through its handshake: a refused dial is routine
// (the peer is down; backoff redials), a failed proof is a warning. The same
// reason repeating is logged once, then every rejection_log_every-th time.
void routing_core::note_failed_connection(const connection_end& end, routing_output& out) {
  auto code = end.reason.code();
  if (code == status_code::unavailable || code == status_code::timeout) {
    out.log.push_back({routing_log_level::debug, fmt::format("connection {} ended before its handshake: {}",
                                                             end.session_id, end.reason.to_string())});
    return;
  }
  if (rejections_.size() >= config_.limits.rejection_reasons_max) rejections_.clear();
  auto seen = ++rejections_[end.reason.message()];
  if (seen != 1 && seen % config_.limits.rejection_log_every != 0) return;
  auto who = end.dialled_node.empty() ? "from " + end.remote_address
                                      : "to node " + end.dialled_node + " at " + end.remote_address;
  // An admin client (the CLI) reports its own failures in words; a node warns.
  out.log.push_back({config_.admin_client ? routing_log_level::info : routing_log_level::warn,
                     fmt::format("rejected connection {} ({} times with this reason): {}", who, seen,
                                 end.reason.to_string())});
}

result<routing_core::call_accepted> routing_core::on_call(const outgoing_call& call, std::uint64_t now_ms) {
  auto target = call.node + "/" + call.actor;
  auto route = routes_.find(call.node);
  if (route == routes_.end()) {
    return status(status_code::unavailable, fmt::format("{}: no session with node {}", target, call.node));
  }
  if (pending_.size() >= config_.limits.pending_requests_max) {
    return status(status_code::unavailable,
                  fmt::format("{}: {} requests already waiting for answers", target, pending_.size()));
  }
  call_accepted accepted;
  accepted.request_id = next_request_id_++;
  BUCKY_CHECK(accepted.request_id != 0 && !pending_.count(accepted.request_id));
  envelope out;
  out.kind = envelope_kind::request;
  out.type = call.type;
  out.source_actor = call.source_actor;
  out.destination_actor = call.actor;
  out.request_id = accepted.request_id;
  out.payload = call.payload;
  auto deadline_ms = now_ms + call.timeout_ms;
  pending_[accepted.request_id] = {route->second, target, deadline_ms};
  deadlines_.emplace(deadline_ms, accepted.request_id);
  accepted.output.sends.push_back({route->second, std::move(out), accepted.request_id});
  accepted.output.wake_after_ms.push_back(call.timeout_ms);
  return accepted;
}

routing_output routing_core::on_cast(const std::string& node, const std::string& actor, std::uint16_t type,
                                     std::vector<std::uint8_t> payload) {
  routing_output out;
  auto route = routes_.find(node);
  if (route == routes_.end()) return out;  // no session: dropped, like a lost packet
  envelope message;
  message.kind = envelope_kind::one_way;
  message.type = type;
  message.destination_actor = actor;
  message.payload = std::move(payload);
  out.sends.push_back({route->second, std::move(message), 0});
  return out;
}

routing_output routing_core::on_send_refused(std::uint64_t tag, const status& reason) {
  routing_output out;
  fail_request(tag, reason, out);  // tag 0 (a cast or a reply) is no request
  return out;
}

routing_output routing_core::on_tick(std::uint64_t now_ms) {
  routing_output out;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
    auto id = deadlines_.begin()->second;
    const auto& target = pending_.at(id).target;
    fail_request(id, status(status_code::timeout, fmt::format("no answer from {} in time", target)), out);
  }
  return out;
}

routing_output routing_core::stop() {
  routing_output out;
  for (const auto& [id, waiting] : pending_) {
    out.answers.push_back({id, status(status_code::unavailable, "transport stopped")});
  }
  pending_.clear();
  deadlines_.clear();
  return out;
}

void routing_core::fail_request(std::uint64_t request_id, const status& reason, routing_output& out) {
  auto found = pending_.find(request_id);
  if (found == pending_.end()) return;
  auto waiting = std::move(found->second);
  pending_.erase(found);
  BUCKY_CHECK(deadlines_.erase({waiting.deadline_ms, request_id}) == 1);
  out.answers.push_back(
      {request_id, status(reason.code(), fmt::format("{}: {}", waiting.target, reason.to_string()))});
}

void routing_core::close(std::uint64_t session_id, std::string why, routing_log_level level, std::string log_text,
                         routing_output& out) {
  out.log.push_back({level, std::move(log_text)});
  out.closes.push_back({session_id, std::move(why)});
}

std::optional<std::uint64_t> routing_core::route(const std::string& node) const {
  auto found = routes_.find(node);
  if (found == routes_.end()) return std::nullopt;
  return found->second;
}

std::uint64_t routing_core::error_answers(std::uint64_t session_id) const {
  auto found = session_errors_.find(session_id);
  return found == session_errors_.end() ? 0 : found->second;
}

}  // namespace bucky
