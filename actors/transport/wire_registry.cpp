#include "actors/transport/wire_registry.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/component.hpp"
#include "actors/runtime/message_types.hpp"

namespace bucky {

namespace {

// Asks `target` with `message...` and turns the typed answer into encoded bytes.
template <class Response, class... Message>
void ask(caf::event_based_actor* self, const caf::actor& target, std::chrono::milliseconds timeout,
         reply_callback done, Message&&... message) {
  self->request(target, timeout, std::forward<Message>(message)...)
      .then(
          [done](Response& response) {
            done(encoded_message{static_cast<std::uint16_t>(Response::type_id), encode(response)});
          },
          [done](caf::error& error) {
            auto code = error == caf::sec::request_timeout ? status_code::timeout : status_code::unavailable;
            done(status(code, describe_exit_reason(error)));
          });
}

}  // namespace

template <class Request>
void wire_registry::add_request() {
  handlers_[static_cast<std::uint16_t>(Request::type_id)] =
      [](caf::event_based_actor* self, const caf::actor& target, const caller&, std::span<const std::uint8_t> payload,
         std::chrono::milliseconds timeout, reply_callback done) {
        auto request = decode<Request>(payload);
        if (!request) return done(request.error());
        ask<typename Request::response_type>(self, target, timeout, std::move(done), std::move(*request));
      };
}

template <class Request>
void wire_registry::add_request_with_caller() {
  handlers_[static_cast<std::uint16_t>(Request::type_id)] =
      [](caf::event_based_actor* self, const caf::actor& target, const caller& from,
         std::span<const std::uint8_t> payload, std::chrono::milliseconds timeout, reply_callback done) {
        auto request = decode<Request>(payload);
        if (!request) return done(request.error());
        ask<typename Request::response_type>(self, target, timeout, std::move(done), from, std::move(*request));
      };
}

template <class Message>
void wire_registry::add_one_way() {
  one_way_handlers_[static_cast<std::uint16_t>(Message::type_id)] =
      [](const caf::actor& target, const std::string& peer, std::span<const std::uint8_t> payload) -> status {
    auto message = decode<Message>(payload);
    if (!message) return message.error();
    caf::anon_send(target, peer_message_atom::value, peer, std::move(*message));
    return {};
  };
}

status wire_registry::deliver(const caf::actor& target, const std::string& peer, std::uint16_t type,
                              std::span<const std::uint8_t> payload) const {
  auto found = one_way_handlers_.find(type);
  if (found == one_way_handlers_.end()) {
    return status(status_code::invalid_argument, fmt::format("unknown one-way message type {}", type));
  }
  return found->second(target, peer, payload);
}

const wire_registry& wire_registry::standard() {
  static const wire_registry registry = [] {
    wire_registry r;
    r.add_request<echo_request>();
    r.add_request<actor_table_request>();
    r.add_request<session_list_request>();
    r.add_request_with_caller<kv_client_request>();
    r.add_request_with_caller<kv_watch_request>();
    r.add_request_with_caller<kv_forward_batch>();
    r.add_request<zone_config_request>();
    r.add_request<zone_config_push>();
    r.add_request<activation_request>();
    r.add_request<zone_state_status_request>();
    r.add_request_with_caller<fault_request>();
    r.add_request_with_caller<log_tail_request>();
    r.add_request_with_caller<actor_restart_request>();
    r.add_request_with_caller<step_down_request>();
    r.add_request_with_caller<chunk_put_request>();
    r.add_request_with_caller<chunk_get_request>();
    r.add_request_with_caller<chunk_pull_request>();
    r.add_request_with_caller<chunk_list_request>();
    r.add_request_with_caller<chunk_drop_request>();
    r.add_request_with_caller<fs_request>();
    r.add_request_with_caller<gateway_http_request>();
    r.add_one_way<paxos_prepare>();
    r.add_one_way<paxos_promise>();
    r.add_one_way<paxos_accept>();
    r.add_one_way<paxos_accepted>();
    r.add_one_way<paxos_commit>();
    r.add_one_way<paxos_catchup_request>();
    r.add_one_way<paxos_catchup_reply>();
    r.add_one_way<paxos_beat_ack>();
    r.add_one_way<paxos_snapshot_chunk>();
    r.add_one_way<paxos_snapshot_ack>();
    r.add_one_way<paxos_rejoin_request>();
    r.add_one_way<paxos_rejoin_state>();
    r.add_one_way<paxos_prevote>();
    r.add_one_way<paxos_prevote_reply>();
    r.add_one_way<zone_config_version>();
    r.add_one_way<signed_zone_config>();
    r.add_one_way<relay_hello>();
    r.add_one_way<relay_open>();
    r.add_one_way<relay_data>();
    r.add_one_way<relay_ack>();
    r.add_one_way<relay_close>();
    return r;
  }();
  return registry;
}

void wire_registry::serve(caf::event_based_actor* self, const caf::actor& target, const caller& from,
                          std::uint16_t type,
                          std::span<const std::uint8_t> payload, std::chrono::milliseconds timeout,
                          reply_callback done) const {
  auto found = handlers_.find(type);
  if (found == handlers_.end()) {
    done(status(status_code::invalid_argument, fmt::format("unknown message type {}", type)));
    return;
  }
  found->second(self, target, from, payload, timeout, std::move(done));
}

}  // namespace bucky
