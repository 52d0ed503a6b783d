// Fuzzes the msgpack decoders of everything that arrives from the wire. Whatever
// decodes must encode again and decode to the same bytes (no lossy acceptance).
#include <cstddef>
#include <cstdint>

#include "messages/actor_table.hpp"
#include "messages/codec.hpp"
#include "messages/echo.hpp"
#include "messages/envelope.hpp"
#include "messages/error_reply.hpp"

namespace {

template <class T>
void round_trip(std::span<const std::uint8_t> input) {
  auto decoded = bucky::decode<T>(input);
  if (!decoded) return;
  auto encoded = bucky::encode(*decoded);
  auto again = bucky::decode<T>(encoded);
  BUCKY_CHECK_MSG(again.has_value(), again.error().to_string());
  BUCKY_CHECK(bucky::encode(*again) == encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  round_trip<bucky::envelope>(input);
  round_trip<bucky::actor_table>(input);
  round_trip<bucky::error_reply>(input);
  round_trip<bucky::echo_request>(input);
  round_trip<bucky::echo_reply>(input);
  return 0;
}
