// Fuzzes connection_core, the state machine every byte from the network meets.
// First input byte picks the seat: 0 a responder before any handshake, 1 an
// initiator waiting for the response, 2 a responder whose session is already
// established (the fuzz bytes follow a real handshake). The rest arrives in chunks.
// Nothing may crash; a closed connection must stay closed; nothing unauthenticated
// may come out as a message.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "messages/common/check.hpp"
#include "net/connection_core.hpp"

using namespace bucky::net;

namespace {

key_pair key_of(std::uint8_t value) {
  std::array<std::uint8_t, seed_bytes> seed;
  seed.fill(value);
  return key_pair::from_seed(seed);
}

random_source counter_random() {
  auto state = std::make_shared<std::uint8_t>(0);
  return [state](std::uint8_t* out, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) out[i] = (*state)++;
  };
}

const key_pair& node_a() { static const key_pair k = key_of(1); return k; }
const key_pair& node_b() { static const key_pair k = key_of(2); return k; }

std::optional<peer_identity> authorize(const public_key& key) {
  if (key == node_a().public_part()) return peer_identity{peer_identity::kind::node, "a", key};
  if (key == node_b().public_part()) return peer_identity{peer_identity::kind::node, "b", key};
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  connection_options options;
  options.frame_size_bytes_max = 64 * 1024;
  options.message_size_bytes_max = 32 * 1024;
  std::uint8_t seat = data[0] % 3;
  auto core = seat == 1 ? connection_core::dial(node_a(), node_b().public_part(), authorize, counter_random(), options, 0)
                        : connection_core::accept(node_b(), authorize, counter_random(), options, 0);
  if (seat == 2) {
    auto peer = connection_core::dial(node_a(), node_b().public_part(), authorize, counter_random(), options, 0);
    for (int round = 0; round < 4; ++round) {
      core.on_bytes(peer.take_output(), 0);
      peer.on_bytes(core.take_output(), 0);
    }
    BUCKY_CHECK(core.established());
  }
  bool closed = false;
  std::size_t at = 1;
  std::uint64_t now_ms = 0;
  while (at < size) {
    std::size_t chunk = 1 + data[at] % 200;
    ++at;
    chunk = std::min(chunk, size - at);
    for (auto& event : core.on_bytes(std::span(data + at, chunk), now_ms)) {
      BUCKY_CHECK(!closed);
      if (event.what == connection_event::kind::closed) closed = true;
      // Random bytes cannot forge a secretstream frame.
      BUCKY_CHECK(event.what != connection_event::kind::message);
    }
    at += chunk;
    now_ms += 10;
    core.on_tick(now_ms);
    core.take_output();
  }
  return 0;
}
