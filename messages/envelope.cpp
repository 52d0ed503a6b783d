#include "messages/envelope.hpp"

#include <fmt/format.h>

#include "messages/limits.hpp"

namespace bucky {

namespace {

constexpr std::size_t actor_address_bytes_max = 256;

}  // namespace

status envelope::validate() const {
  if (version != envelope_version) {
    return {status_code::invalid_argument,
            fmt::format("decoding envelope: version {} is not supported (this node speaks {})",
                        version, envelope_version)};
  }
  if (static_cast<std::uint8_t>(kind) > static_cast<std::uint8_t>(envelope_kind::error)) {
    return {status_code::invalid_argument,
            fmt::format("decoding envelope: unknown kind {}", static_cast<int>(kind))};
  }
  if ((kind == envelope_kind::one_way) != (request_id == 0)) {
    return {status_code::invalid_argument,
            "decoding envelope: request_id must be 0 exactly for one-way messages"};
  }
  if (type == 0) {
    return {status_code::invalid_argument, "decoding envelope: message type 0 is reserved"};
  }
  if (source_actor.size() > actor_address_bytes_max ||
      destination_actor.size() > actor_address_bytes_max) {
    return {status_code::too_large,
            fmt::format("decoding envelope: actor address over {} bytes", actor_address_bytes_max)};
  }
  if (destination_actor.empty() && (kind == envelope_kind::one_way || kind == envelope_kind::request)) {
    return {status_code::invalid_argument, "decoding envelope: destination actor is empty"};
  }
  return {};
}

}  // namespace bucky
