#include "actors/transport/actor.hpp"

#include <map>
#include <set>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/transport/wire_registry.hpp"
#include "actors/transport/wire_types.hpp"
#include "messages/envelope.hpp"
#include "messages/error_reply.hpp"

namespace bucky {

namespace {

using expire_atom = caf::atom_constant<caf::atom("expire")>;

const char* role_name(net::peer_identity::kind role) {
  switch (role) {
    case net::peer_identity::kind::node: return "node";
    case net::peer_identity::kind::admin: return "admin";
    case net::peer_identity::kind::guest: return "guest";
  }
  return "?";
}

caller caller_of(const net::peer_identity& peer) {
  switch (peer.role) {
    case net::peer_identity::kind::node: return {caller::kind::node, peer.name};
    case net::peer_identity::kind::admin:
      return {peer.name == net::owner_admin_name ? caller::kind::owner : caller::kind::admin, peer.name};
    case net::peer_identity::kind::guest: return {caller::kind::guest, peer.name};
  }
  return {caller::kind::guest, peer.name};
}

caf::error remote_error(status_code code, std::string what) {
  return caf::make_error(code == status_code::timeout ? caf::sec::request_timeout : caf::sec::runtime_error,
                         std::move(what));
}

class transport_actor : public component_actor {
 public:
  transport_actor(caf::actor_config& actor_config, child_context context, transport_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {
    BUCKY_CHECK(config_.key != nullptr);
  }

  caf::behavior make_behavior() override {
    start_io();
    return {
        [this](net::io_event& event) { on_io_event(event); },
        [this](remote_call& call) -> caf::result<remote_reply> { return call_remote(call); },
        [this](remote_cast& message) { cast(message); },
        [this](expire_atom, std::uint64_t request_id) { expire(request_id); },
        [this](echo_request& request) { return echo(request); },
        [this](sessions_atom) { return io_->sessions(); },
        [this](session_list_request) { return list_sessions(); },
        [this](peers_atom) { on_peers_changed(); },
    };
  }

  void on_exit() override {
    if (io_) io_->stop();
    io_.reset();
    for (auto& [id, waiting] : pending_) {
      waiting.promise.deliver(remote_error(status_code::unavailable, "transport stopped"));
    }
    pending_.clear();
  }

 private:
  struct pending_request {
    caf::response_promise promise;
    std::uint64_t session_id = 0;
    std::string target;  // "node/actor", for errors
  };

  void start_io() {
    net::tcp_io_config io_config;
    io_config.listen = !config_.admin_client;
    io_config.listen_host = config_.listen_host;
    io_config.listen_port = config_.listen_port;
    io_config.options = config_.connection;
    io_config.authorize = [peers = config_.peers, guests = config_.accept_guests,
                           faults = config_.faults](const net::public_key& key) {
      auto known = peers->current()->authorize(key);
      if (known && faults && faults->blocks(known->name)) return std::optional<net::peer_identity>();
      if (known || !guests) return known;
      return std::optional<net::peer_identity>(
          net::peer_identity{net::peer_identity::kind::guest, "guest-" + key.to_text().substr(0, 8), key});
    };
    io_config.log = logging_handle();
    caf::actor self_handle = caf::actor_cast<caf::actor>(this);
    io_ = std::make_unique<net::tcp_io>(*config_.key, std::move(io_config),
                                        [self_handle, system = &system()](net::io_event event) {
                                          if (delivered_from_io_thread(*system, event)) return;
                                          caf::anon_send(self_handle, std::move(event));
                                        });
    auto port = io_->start();
    if (!port) throw std::runtime_error(port.error().message());
    auto known = config_.peers->current()->entries().size();
    if (config_.admin_client) {
      log().info("admin client {} (key {}); {} peers known", config_.node_id, config_.key->public_part().to_text(),
                 known);
    } else {
      log().info("listening on {}:{} as {} (key {}); {} peers known{}", config_.listen_host, *port, config_.node_id,
                 config_.key->public_part().to_text(), known,
                 config_.accept_guests ? "; guests may reach the activation actor" : "");
    }
    sync_dials();
  }

  // One connection per pair of nodes: the node with the smaller id dials; admin
  // clients dial every node. Nodes that left, or whose key or address changed, are
  // forgotten first (and dialled again under their new entry).
  void sync_dials() {
    auto peers = config_.peers->current();
    std::map<std::string, net::peer_entry> wanted;
    for (const auto& entry : peers->entries()) {
      if (entry.identity.role != net::peer_identity::kind::node || entry.port == 0) continue;
      if (!config_.admin_client && entry.identity.name <= config_.node_id) continue;
      wanted.emplace(entry.identity.name, entry);
    }
    for (auto it = dialled_.begin(); it != dialled_.end();) {
      auto next = wanted.find(it->first);
      bool same = next != wanted.end() && next->second.identity.key == it->second.identity.key &&
                  next->second.host == it->second.host && next->second.port == it->second.port;
      if (same) {
        ++it;
        continue;
      }
      io_->forget(it->first, "its zone config entry changed");
      it = dialled_.erase(it);
    }
    for (const auto& [name, entry] : wanted) {
      if (dialled_.count(name)) continue;
      io_->keep_connected(name, entry.identity.key, entry.host, entry.port);
      dialled_.emplace(name, entry);
    }
  }

  // After the trusted peers changed: dial the new directory and end the sessions of
  // keys it no longer trusts (a revoked or removed node).
  void on_peers_changed() {
    sync_dials();
    redial_unblocked();
    auto peers = config_.peers->current();
    for (const auto& [session_id, peer] : session_peers_) {
      if (peer.role == net::peer_identity::kind::guest) continue;
      if (config_.faults && config_.faults->blocks(peer.name)) {
        log().info("closing session {} with {}: blocked by an injected fault", session_id, peer.name);
        io_->close(session_id, "blocked by an injected fault");
        continue;
      }
      auto now = peers->authorize(peer.key);
      if (now && now->name == peer.name && now->role == peer.role) continue;
      log().info("closing session {} with {}: its key is no longer trusted by the zone config", session_id, peer.name);
      io_->close(session_id, "key no longer trusted");
    }
  }

  // A node no longer blocked by an injected fault is dialled at once, not after
  // the backoff its refusals built up (a healed partition heals now).
  void redial_unblocked() {
    if (!config_.faults) return;
    auto blocked = config_.faults->blocked();
    for (const auto& name : blocked_) {
      auto dialled = dialled_.find(name);
      if (blocked.count(name) || dialled == dialled_.end()) continue;
      io_->forget(name, "unblocked: dialling again");
      const auto& entry = dialled->second;
      io_->keep_connected(name, entry.identity.key, entry.host, entry.port);
    }
    blocked_ = std::move(blocked);
  }

  std::shared_ptr<spdlog::logger> logging_handle();

  session_list list_sessions() {
    session_list out;
    out.node_id = config_.node_id;
    for (auto& s : io_->sessions()) {
      auto errors = session_errors_.find(s.session_id);
      out.sessions.push_back({s.peer, s.remote_address, s.outbound, s.established, s.age_ms, s.bytes_in, s.bytes_out,
                              errors == session_errors_.end() ? 0 : errors->second});
    }
    return out;
  }

  caf::result<echo_reply> echo(echo_request& asked) {
    if (asked.forward_to.empty() || asked.forward_to == config_.node_id) {
      return echo_reply{config_.node_id, std::move(asked.data)};
    }
    auto next = asked.forward_to;
    asked.forward_to.clear();
    auto promise = make_response_promise<echo_reply>();
    auto call = make_remote_call(next, "transport", asked, std::chrono::milliseconds(forward_timeout_ms));
    request(caf::actor_cast<caf::actor>(this), std::chrono::milliseconds(forward_timeout_ms + 1'000), std::move(call))
        .then(
            [promise](remote_reply& reply) mutable {
              auto decoded = decode_remote_reply<echo_reply>(reply);
              if (decoded) promise.deliver(std::move(*decoded));
              else promise.deliver(remote_error(decoded.error().code(), decoded.error().message()));
            },
            [promise](caf::error& error) mutable { promise.deliver(std::move(error)); });
    return promise;
  }

  void on_io_event(net::io_event& event) {
    switch (event.what) {
      case net::io_event::kind::established: return on_established(event);
      case net::io_event::kind::message: return on_message(event);
      case net::io_event::kind::refused: return fail_request(event.tag, event.reason);
      case net::io_event::kind::closed: return on_closed(event);
    }
  }

  void on_established(const net::io_event& event) {
    const auto& name = event.peer.name;
    session_peers_[event.session_id] = event.peer;
    if (event.peer.role == net::peer_identity::kind::node) {
      auto previous = routes_.find(name);
      if (previous != routes_.end() && previous->second != event.session_id) {
        io_->close(previous->second, "replaced by a newer session");
      }
      routes_[name] = event.session_id;
    }
    log().info("session {} with {} {} at {} established ({})", event.session_id, role_name(event.peer.role), name,
               event.remote_address, event.outbound ? "dialled" : "accepted");
  }

  void on_closed(const net::io_event& event) {
    auto known = session_peers_.find(event.session_id);
    if (known == session_peers_.end()) {
      note_failed_connection(event);
      return;
    }
    auto peer = known->second.name;
    session_peers_.erase(known);
    session_errors_.erase(event.session_id);
    if (auto route = routes_.find(peer); route != routes_.end() && route->second == event.session_id) {
      routes_.erase(route);
    }
    std::string why = event.reason.is_ok() ? "peer said goodbye" : event.reason.to_string();
    log().info("session {} with {} closed: {}", event.session_id, peer, why);
    std::vector<std::uint64_t> orphaned;
    for (auto& [id, waiting] : pending_) {
      if (waiting.session_id == event.session_id) orphaned.push_back(id);
    }
    for (auto id : orphaned) {
      fail_request(id, status(status_code::unavailable, fmt::format("disconnected from {}: {}", peer, why)));
    }
  }

  // A connection that never got through its handshake: a refused dial is routine
  // (the peer is down; backoff redials), a failed proof is a warning. The same
  // reason repeating is logged once, then every 100th time.
  void note_failed_connection(const net::io_event& event) {
    auto code = event.reason.code();
    if (code == status_code::unavailable || code == status_code::timeout) {
      log().debug("connection {} ended before its handshake: {}", event.session_id, event.reason.to_string());
      return;
    }
    if (rejections_.size() >= rejection_reasons_max) rejections_.clear();
    auto seen = ++rejections_[event.reason.message()];
    if (seen == 1 || seen % 100 == 0) {
      auto who = event.dialled_node.empty() ? "from " + event.remote_address
                                            : "to node " + event.dialled_node + " at " + event.remote_address;
      // An admin client (the CLI) reports its own failures in words; a node warns.
      auto level = config_.admin_client ? spdlog::level::info : spdlog::level::warn;
      log().log(level, "rejected connection {} ({} times with this reason): {}", who, seen, event.reason.to_string());
    }
  }

  void on_message(const net::io_event& event) {
    auto decoded = decode<envelope>(event.message);
    if (!decoded) {
      log().warn("closing session {} with {}: {}", event.session_id, event.peer.name, decoded.error().to_string());
      io_->close(event.session_id, "malformed envelope");
      return;
    }
    auto& message = *decoded;
    switch (message.kind) {
      case envelope_kind::request: return serve(event, message);
      case envelope_kind::response:
      case envelope_kind::error: return answer(event, message);
      case envelope_kind::one_way: return deliver_one_way(event, message);
    }
  }

  // A node's one-way message (Paxos) goes from the I/O thread straight to its actor:
  // one thread handoff less on every hop of the replication path, where latency is
  // mostly handoffs. Anything else, and any one-way message that cannot be delivered
  // so, takes the transport actor's path, which answers, logs and closes as needed.
  // One-way messages of a session keep their order (all take this path).
  static bool delivered_from_io_thread(caf::actor_system& system, const net::io_event& event) {
    if (event.what != net::io_event::kind::message || event.peer.role != net::peer_identity::kind::node) return false;
    auto decoded = decode<envelope>(event.message);
    if (!decoded || decoded->kind != envelope_kind::one_way) return false;
    if (decoded->destination_actor.empty() || decoded->destination_actor.size() > limits::actor_name_bytes_max) {
      return false;
    }
    auto target = system.registry().get<caf::actor>(caf::atom_from_string(decoded->destination_actor));
    if (!target) return false;
    return wire_registry::standard().deliver(target, event.peer.name, decoded->type, decoded->payload).is_ok();
  }

  // Only nodes send one-way traffic (Paxos); a drop is logged at debug: the
  // protocol above retransmits.
  void deliver_one_way(const net::io_event& event, const envelope& message) {
    if (event.peer.role != net::peer_identity::kind::node) {
      log().warn("closing session {}: admin {} sent one-way message {}", event.session_id, event.peer.name, message.type);
      io_->close(event.session_id, "admins may not send one-way messages");
      return;
    }
    caf::actor target;
    if (message.destination_actor.size() <= limits::actor_name_bytes_max) {
      target = system().registry().get<caf::actor>(caf::atom_from_string(message.destination_actor));
    }
    if (!target) {
      log().debug("dropped one-way {} from {}: no actor '{}'", message.type, event.peer.name, message.destination_actor);
      return;
    }
    auto delivered = wire_registry::standard().deliver(target, event.peer.name, message.type, message.payload);
    if (!delivered.is_ok()) {
      log().warn("closing session {} with {}: {}", event.session_id, event.peer.name, delivered.to_string());
      io_->close(event.session_id, "undeliverable one-way message");
    }
  }

  void cast(const remote_cast& message) {
    auto route = routes_.find(message.node);
    if (route == routes_.end()) return;  // no session: dropped, like a lost packet
    envelope out;
    out.kind = envelope_kind::one_way;
    out.type = message.type;
    out.destination_actor = message.actor;
    out.payload = message.payload;
    io_->send(route->second, encode(out), 0);
  }

  void reply(std::uint64_t session_id, const envelope& request, result<encoded_message> outcome) {
    envelope out;
    out.request_id = request.request_id;
    out.source_actor = request.destination_actor;
    out.destination_actor = request.source_actor;
    if (outcome) {
      out.kind = envelope_kind::response;
      out.type = outcome->type;
      out.payload = std::move(outcome->payload);
    } else {
      out.kind = envelope_kind::error;
      out.type = static_cast<std::uint16_t>(message_type::error_reply);
      out.payload = encode(error_reply::from(outcome.error()));
      if (session_peers_.count(session_id)) ++session_errors_[session_id];  // (not for one that closed meanwhile)
    }
    io_->send(session_id, encode(out), 0);
  }

  void serve(const net::io_event& event, const envelope& request) {
    if (event.peer.role == net::peer_identity::kind::guest && request.destination_actor != guest_actor) {
      reply(event.session_id, request,
            status(status_code::permission_denied,
                   fmt::format("node {} does not know key {}: a guest may only reach '{}'", config_.node_id,
                               event.peer.key.to_text(), guest_actor)));
      return;
    }
    caf::actor target;
    if (request.destination_actor.size() <= limits::actor_name_bytes_max) {
      target = system().registry().get<caf::actor>(caf::atom_from_string(request.destination_actor));
    }
    if (!target) {
      reply(event.session_id, request,
            status(status_code::not_found,
                   fmt::format("no actor '{}' on node {}", request.destination_actor, config_.node_id)));
      return;
    }
    if (inbound_in_progress_ >= config_.inbound_requests_max) {
      reply(event.session_id, request,
            status(status_code::unavailable, fmt::format("node {} is busy: {} requests in progress", config_.node_id,
                                                         inbound_in_progress_)));
      return;
    }
    ++inbound_in_progress_;
    auto session_id = event.session_id;
    wire_registry::standard().serve(this, target, caller_of(event.peer), request.type, request.payload,
                                    std::chrono::milliseconds(config_.inbound_request_timeout_ms),
                                    [this, session_id, request](result<encoded_message> outcome) {
                                      --inbound_in_progress_;
                                      reply(session_id, request, std::move(outcome));
                                    });
  }

  void answer(const net::io_event& event, const envelope& response) {
    auto found = pending_.find(response.request_id);
    if (found == pending_.end()) {
      log().debug("late answer {} from {} (its request expired)", response.request_id, event.peer.name);
      return;
    }
    if (found->second.session_id != event.session_id) {
      log().warn("closing session {}: {} answered request {} that was sent to another peer", event.session_id,
                 event.peer.name, response.request_id);
      io_->close(event.session_id, "answer to another peer's request");
      return;
    }
    auto waiting = std::move(found->second);
    pending_.erase(found);
    if (response.kind == envelope_kind::response) {
      waiting.promise.deliver(remote_reply{response.type, response.payload});
      return;
    }
    auto failure = decode<error_reply>(response.payload);
    auto reason = failure ? failure->to_status() : failure.error();
    ++session_errors_[event.session_id];
    waiting.promise.deliver(remote_error(reason.code(), fmt::format("{}: {}", waiting.target, reason.to_string())));
  }

  caf::result<remote_reply> call_remote(const remote_call& call) {
    auto target = call.node + "/" + call.actor;
    auto route = routes_.find(call.node);
    if (route == routes_.end()) {
      return remote_error(status_code::unavailable, fmt::format("{}: no session with node {}", target, call.node));
    }
    if (pending_.size() >= config_.pending_requests_max) {
      return remote_error(status_code::unavailable,
                          fmt::format("{}: {} requests already waiting for answers", target, pending_.size()));
    }
    envelope out;
    out.kind = envelope_kind::request;
    out.type = call.type;
    out.source_actor = current_sender() ? std::to_string(current_sender()->id()) : "anonymous";
    out.destination_actor = call.actor;
    out.request_id = next_request_id_++;
    out.payload = call.payload;
    auto promise = make_response_promise<remote_reply>();
    pending_[out.request_id] = {promise, route->second, target};
    io_->send(route->second, encode(out), out.request_id);
    delayed_send(this, std::chrono::milliseconds(call.timeout_ms), expire_atom::value, out.request_id);
    return promise;
  }

  void expire(std::uint64_t request_id) {
    auto found = pending_.find(request_id);
    if (found == pending_.end()) return;
    fail_request(request_id, status(status_code::timeout, fmt::format("no answer from {} in time", found->second.target)));
  }

  void fail_request(std::uint64_t request_id, const status& reason) {
    auto found = pending_.find(request_id);
    if (found == pending_.end()) return;
    auto waiting = std::move(found->second);
    pending_.erase(found);
    waiting.promise.deliver(remote_error(reason.code(), fmt::format("{}: {}", waiting.target, reason.to_string())));
  }

  transport_config config_;
  std::unique_ptr<net::tcp_io> io_;
  std::map<std::string, std::uint64_t> routes_;                 // node_id -> session
  std::map<std::string, net::peer_entry> dialled_;              // nodes kept connected
  std::map<std::uint64_t, net::peer_identity> session_peers_;   // established sessions
  std::set<std::string> blocked_;  // by injected faults, as of the last `peers` message
  std::map<std::uint64_t, pending_request> pending_;
  std::uint64_t next_request_id_ = 1;
  std::size_t inbound_in_progress_ = 0;
  static constexpr std::size_t rejection_reasons_max = 64;
  static constexpr std::uint64_t forward_timeout_ms = 3'000;
  std::map<std::string, std::uint64_t> rejections_;  // reason -> times seen
  std::map<std::uint64_t, std::uint64_t> session_errors_;  // session -> error answers sent and received
};

std::shared_ptr<spdlog::logger> transport_actor::logging_handle() { return logging::get(context().name); }

}  // namespace

caf::actor spawn_transport(caf::actor_system& system, const child_context& context, transport_config config) {
  return system.spawn<transport_actor>(context, std::move(config));
}

}  // namespace bucky
