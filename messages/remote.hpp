// How local actors talk to actors on other nodes (plain messages between actors;
// actors/runtime/message_types.hpp allows them in CAF messages): they ask the transport actor with
// a remote_call (node, actor name, encoded message) and get a remote_reply (the
// encoded answer) or an error that says why (no session, timeout, disconnect, the
// remote refused). make_remote_call / decode_remote_reply keep callers typed:
//
//   self->request(transport, timeout, make_remote_call("n2", "transport", echo_request{...}, timeout))
//       .then([](remote_reply& r) { auto reply = decode_remote_reply<echo_reply>(r); ... },
//             [](caf::error& e) { ... describe_exit_reason(e) ... });
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "messages/codec.hpp"

namespace bucky {

struct remote_call {
  std::string node;
  std::string actor;
  std::uint16_t type = 0;
  std::vector<std::uint8_t> payload;
  std::uint64_t timeout_ms = 5'000;
};

struct remote_reply {
  std::uint16_t type = 0;
  std::vector<std::uint8_t> payload;
};

// A one-way message to an actor on another node (no answer, no delivery promise:
// Paxos retransmits what matters).
struct remote_cast {
  std::string node;
  std::string actor;
  std::uint16_t type = 0;
  std::vector<std::uint8_t> payload;
};

template <class Message>
remote_cast make_remote_cast(std::string node, std::string actor, const Message& message) {
  return {std::move(node), std::move(actor), static_cast<std::uint16_t>(Message::type_id), encode(message)};
}

template <class Request>
remote_call make_remote_call(std::string node, std::string actor, const Request& request,
                             std::chrono::milliseconds timeout) {
  return {std::move(node), std::move(actor), static_cast<std::uint16_t>(Request::type_id), encode(request),
          static_cast<std::uint64_t>(timeout.count())};
}

template <class Response>
result<Response> decode_remote_reply(const remote_reply& reply) {
  if (reply.type != static_cast<std::uint16_t>(Response::type_id)) {
    return status(status_code::invalid_argument,
                  fmt::format("remote answered with message type {}, expected {} ({})", reply.type,
                              static_cast<int>(Response::type_id), Response::type_name));
  }
  return decode<Response>(reply.payload);
}

}  // namespace bucky

