#include "actors/transport/actor.hpp"

#include <map>
#include <set>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/transport/wire_registry.hpp"
#include "actors/runtime/message_types.hpp"
#include "messages/envelope.hpp"

namespace bucky {

namespace {

using expire_atom = caf::atom_constant<caf::atom("expire")>;

caf::error remote_error(const status& failure) {
  return caf::make_error(
      failure.code() == status_code::timeout ? caf::sec::request_timeout : caf::sec::runtime_error,
      failure.message());
}

spdlog::level::level_enum spdlog_level(routing_log_level level) {
  switch (level) {
    case routing_log_level::debug: return spdlog::level::debug;
    case routing_log_level::info: return spdlog::level::info;
    case routing_log_level::warn: return spdlog::level::warn;
  }
  return spdlog::level::warn;
}

// The shell: every decision is routing_core's; this actor feeds it tcp_io events,
// local calls and timers, and carries out its output (carry_out).
class transport_actor : public component_actor {
 public:
  transport_actor(caf::actor_config& actor_config, child_context context, transport_config config)
      : component_actor(actor_config, std::move(context)),
        config_(std::move(config)),
        core_(routing_config{config_.node_id, config_.admin_client, config_.routing}) {
    BUCKY_CHECK(config_.key != nullptr);
  }

  caf::behavior make_behavior() override {
    start_io();
    return {
        [this](net::io_event& event) { on_io_event(event); },
        [this](remote_call& call) -> caf::result<remote_reply> { return call_remote(call); },
        [this](remote_cast& message) {
          carry_out(core_.on_cast(message.node, message.actor, message.type, std::move(message.payload)));
        },
        [this](expire_atom) { carry_out(core_.on_tick(now_ms())); },
        [this](echo_request& request) { return echo(request); },
        [this](sessions_atom) { return io_->sessions(); },
        [this](session_list_request) { return list_sessions(); },
        [this](peers_atom) { on_peers_changed(); },
    };
  }

  void on_exit() override {
    auto stopped = core_.stop();
    if (io_) io_->stop();
    io_.reset();
    carry_out(stopped);  // answers only
  }

 private:
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
    auto peers = config_.peers->current();
    auto known = peers->entries().size();
    if (config_.admin_client) {
      log().info("admin client {} (key {}); {} peers known", config_.node_id, config_.key->public_part().to_text(),
                 known);
    } else {
      log().info("listening on {}:{} as {} (key {}); {} peers known{}", config_.listen_host, *port, config_.node_id,
                 config_.key->public_part().to_text(), known,
                 config_.accept_guests ? "; guests may reach the activation actor" : "");
    }
    carry_out(core_.start(*peers));
  }

  // After the trusted peers (or the injected faults) changed.
  void on_peers_changed() {
    auto blocked = config_.faults ? config_.faults->blocked() : std::set<std::string>{};
    carry_out(core_.on_peers_changed(*config_.peers->current(), blocked));
  }

  void on_io_event(net::io_event& event) {
    switch (event.what) {
      case net::io_event::kind::established:
        return carry_out(
            core_.on_session_established(event.session_id, event.peer, event.outbound, event.remote_address));
      case net::io_event::kind::message: return on_message(event);
      case net::io_event::kind::refused: return carry_out(core_.on_send_refused(event.tag, event.reason));
      case net::io_event::kind::closed:
        return carry_out(core_.on_connection_end(
            {event.session_id, event.reason, std::move(event.dialled_node), std::move(event.remote_address)}));
    }
  }

  // The core asks at most once per frame whether its destination actor exists;
  // the handle found is the one its serve or delivery goes to.
  void on_message(const net::io_event& event) {
    caf::actor target;
    auto lookup = [&](const std::string& name) {
      target = system().registry().get<caf::actor>(caf::atom_from_string(name));
      return target != nullptr;
    };
    carry_out(core_.on_frame(event.session_id, event.peer, event.message, lookup), target);
  }

  caf::result<remote_reply> call_remote(remote_call& call) {
    auto source = current_sender() ? std::to_string(current_sender()->id()) : "anonymous";
    auto accepted = core_.on_call(
        {std::move(call.node), std::move(call.actor), call.type, std::move(call.payload), call.timeout_ms, source},
        now_ms());
    if (!accepted) return remote_error(accepted.error());
    auto promise = make_response_promise<remote_reply>();
    promises_.emplace(accepted->request_id, promise);
    carry_out(std::move(accepted->output));
    return promise;
  }

  // Carries out one output of the core, in routing_output's order. `target`: the
  // local actor of the frame's serve or delivery, if any.
  void carry_out(routing_output output, const caf::actor& target = {}) {
    for (const auto& line : output.log) log().log(spdlog_level(line.level), "{}", line.text);
    for (const auto& dial : output.dials) {
      const auto& entry = dial.entry;
      if (dial.what == dial_command::kind::forget) io_->forget(entry.identity.name, dial.why);
      else io_->keep_connected(entry.identity.name, entry.identity.key, entry.host, entry.port);
    }
    for (const auto& close : output.closes) io_->close(close.session_id, close.why);
    for (const auto& send : output.sends) io_->send(send.session_id, encode(send.message), send.tag);
    for (auto& answer : output.answers) answer_caller(answer);
    for (auto& request : output.serves) serve(target, request);
    for (const auto& delivery : output.deliveries) deliver(target, delivery);
    for (auto after_ms : output.wake_after_ms) {
      delayed_send(this, std::chrono::milliseconds(after_ms), expire_atom::value);
    }
  }

  void answer_caller(request_answer& answer) {
    auto found = promises_.find(answer.request_id);
    BUCKY_CHECK_MSG(found != promises_.end(), fmt::format("request {} answered twice", answer.request_id));
    auto promise = std::move(found->second);
    promises_.erase(found);
    if (answer.outcome) promise.deliver(remote_reply{answer.outcome->type, std::move(answer.outcome->payload)});
    else promise.deliver(remote_error(answer.outcome.error()));
  }

  void serve(const caf::actor& target, const inbound_request& asked) {
    BUCKY_CHECK(target != nullptr);
    envelope request;  // what the reply needs: the payload is the registry's to decode
    request.request_id = asked.request.request_id;
    request.source_actor = asked.request.source_actor;
    request.destination_actor = asked.request.destination_actor;
    wire_registry::standard().serve(this, target, asked.from, asked.request.type, asked.request.payload,
                                    std::chrono::milliseconds(config_.inbound_request_timeout_ms),
                                    [this, session_id = asked.session_id, request](result<encoded_message> outcome) {
                                      carry_out(core_.on_served(session_id, request, std::move(outcome)));
                                    });
  }

  void deliver(const caf::actor& target, const one_way_delivery& delivery) {
    BUCKY_CHECK(target != nullptr);
    const auto& message = delivery.message;
    auto delivered = wire_registry::standard().deliver(target, delivery.peer, message.type, message.payload);
    if (!delivered.is_ok()) carry_out(core_.on_undeliverable(delivery.session_id, delivery.peer, delivered));
  }

  // A node's one-way message (Paxos) goes from the I/O thread straight to its actor:
  // one thread handoff less on every hop of the replication path, where latency is
  // mostly handoffs. Anything else, and any one-way message that cannot be delivered
  // so, takes the transport actor's path, which answers, logs and closes as needed.
  // One-way messages of a session keep their order (all take this path).
  static bool delivered_from_io_thread(caf::actor_system& system, const net::io_event& event) {
    if (event.what != net::io_event::kind::message || event.peer.role != net::peer_identity::kind::node) return false;
    if (!maybe_one_way(event.message)) return false;
    auto decoded = decode<envelope>(event.message);
    if (!decoded || decoded->kind != envelope_kind::one_way) return false;
    if (decoded->destination_actor.empty() || decoded->destination_actor.size() > limits::actor_name_bytes_max) {
      return false;
    }
    auto target = system.registry().get<caf::actor>(caf::atom_from_string(decoded->destination_actor));
    if (!target) return false;
    return wire_registry::standard().deliver(target, event.peer.name, decoded->type, decoded->payload).is_ok();
  }

  // An envelope is a msgpack array of 7 whose second item is its kind (a positive
  // fixint): a request or an answer is known without decoding it. They carry
  // chunks of 1 MiB, and decoding each one twice showed in perf. Anything of
  // another shape is decoded in full.
  static bool maybe_one_way(const bytes& message) {
    constexpr std::uint8_t fixarray_of_7 = 0x97;
    return message.size() < 3 || message[0] != fixarray_of_7 || message[2] == static_cast<std::uint8_t>(envelope_kind::one_way);
  }

  session_list list_sessions() {
    session_list out;
    out.node_id = config_.node_id;
    for (auto& s : io_->sessions()) {
      out.sessions.push_back({s.peer, s.remote_address, s.outbound, s.established, s.age_ms, s.bytes_in, s.bytes_out,
                              core_.error_answers(s.session_id)});
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
              else promise.deliver(remote_error(decoded.error()));
            },
            [promise](caf::error& error) mutable { promise.deliver(std::move(error)); });
    return promise;
  }

  // The actor clock, which also times delayed_send: a request's expire message
  // arrives no earlier than its deadline as the core computed it.
  std::uint64_t now_ms() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(clock().now().time_since_epoch()).count());
  }

  std::shared_ptr<spdlog::logger> logging_handle();

  static constexpr std::uint64_t forward_timeout_ms = 3'000;
  transport_config config_;
  routing_core core_;
  std::unique_ptr<net::tcp_io> io_;
  std::map<std::uint64_t, caf::response_promise> promises_;  // request id -> its caller, while the core waits
};

std::shared_ptr<spdlog::logger> transport_actor::logging_handle() { return logging::get(context().name); }

}  // namespace

caf::actor spawn_transport(caf::actor_system& system, const child_context& context, transport_config config) {
  return system.spawn<transport_actor>(context, std::move(config));
}

}  // namespace bucky
