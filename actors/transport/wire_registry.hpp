// Which message types may arrive from the wire, and how each is handed to a local
// actor: decode the payload into its C++ type, ask the actor, encode the answer.
// A type not listed here is refused with an error reply, never guessed at.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <vector>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>

#include "messages/encoded_message.hpp"
#include "messages/caller.hpp"
#include "messages/codec.hpp"

namespace bucky {

using reply_callback = std::function<void(result<encoded_message>)>;

class wire_registry {
 public:
  // The registry of every type this build serves.
  static const wire_registry& standard();

  template <class Request>
  void add_request();
  // A request whose actor decides by who asks: it gets (caller, request).
  template <class Request>
  void add_request_with_caller();
  // A message that expects no answer (Paxos traffic): decoded and sent to the actor,
  // stamped with the peer it came from.
  template <class Message>
  void add_one_way();

  // Decodes `payload` as message `type` and asks `target`; `done` gets the encoded
  // answer or a status naming what went wrong. Unknown types fail at once.
  void serve(caf::event_based_actor* self, const caf::actor& target, const caller& from, std::uint16_t type,
             std::span<const std::uint8_t> payload, std::chrono::milliseconds timeout,
             reply_callback done) const;
  bool knows(std::uint16_t type) const { return handlers_.count(type) > 0; }
  // Decodes a one-way `payload` and sends (peer, message) to `target`.
  status deliver(const caf::actor& target, const std::string& peer, std::uint16_t type,
                 std::span<const std::uint8_t> payload) const;

 private:
  using handler = std::function<void(caf::event_based_actor*, const caf::actor&, const caller&,
                                     std::span<const std::uint8_t>, std::chrono::milliseconds, reply_callback)>;
  std::map<std::uint16_t, handler> handlers_;
  using one_way_handler = std::function<status(const caf::actor&, const std::string&, std::span<const std::uint8_t>)>;
  std::map<std::uint16_t, one_way_handler> one_way_handlers_;
};

}  // namespace bucky
