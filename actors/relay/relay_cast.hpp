// How either end of the relay sends its messages: as one-way casts through this
// node's transport to the named actor on the other node. Callable from any thread
// (the relay's I/O thread); a message with no transport or no session is dropped,
// and the stream it belonged to ends on the gap it leaves.
#pragma once

#include <string>

#include <caf/actor_system.hpp>

#include "actors/relay/relay_pipes.hpp"

namespace bucky::relay {

relay_send cast_to(caf::actor_system& system, std::string actor);

// relay_hello and relay_open, which only one end sends.
void cast_hello(caf::actor_system& system, const std::string& node, const relay_hello& hello);
void cast_open(caf::actor_system& system, const std::string& node, const relay_open& open);

}  // namespace bucky::relay
