#include "actors/relay/relay_cast.hpp"

#include <caf/all.hpp>

#include "actors/gateway/actor.hpp"
#include "actors/relay/actor.hpp"
#include "actors/runtime/message_types.hpp"

namespace bucky::relay {

namespace {

template <class Message>
void cast_one(caf::actor_system& system, const std::string& node, const std::string& actor, const Message& message) {
  auto transport = system.registry().get<caf::actor>(caf::atom("transport"));
  if (transport) caf::anon_send(transport, make_remote_cast(node, actor, message));
}

}  // namespace

relay_send cast_to(caf::actor_system& system, std::string actor) {
  return [&system, actor = std::move(actor)](const std::string& node, relay_message message) {
    std::visit([&](const auto& m) { cast_one(system, node, actor, m); }, message);
  };
}

void cast_hello(caf::actor_system& system, const std::string& node, const relay_hello& hello) {
  cast_one(system, node, relay_actor, hello);
}

void cast_open(caf::actor_system& system, const std::string& node, const relay_open& open) {
  cast_one(system, node, gateway_actor, open);
}

}  // namespace bucky::relay
