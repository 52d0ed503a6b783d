// The one frame payload that crosses the wire between nodes (DESIGN §6): who sent
// it, which local actor it is for, the request it answers, and the message bytes.
// The transport decodes the envelope first, then the payload by its type id.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/common/status.hpp"
#include "messages/type_ids.hpp"

namespace bucky {

inline constexpr std::uint8_t envelope_version = 1;

enum class envelope_kind : std::uint8_t {
  one_way = 0,   // no answer expected
  request = 1,   // answer with the same request_id
  response = 2,  // the answer: payload is the response message
  error = 3,     // the answer: payload is an error_reply
};

struct envelope {
  static constexpr message_type type_id = message_type::envelope;
  static constexpr const char* type_name = "envelope";

  std::uint8_t version = envelope_version;
  envelope_kind kind = envelope_kind::one_way;
  std::uint16_t type = 0;        // a message_type
  std::string source_actor;      // "node_id/actor_name"
  std::string destination_actor;
  std::uint64_t request_id = 0;  // 0 for one_way, else chosen by the requester
  std::vector<std::uint8_t> payload;

  status validate() const;
  MSGPACK_DEFINE(version, kind, type, source_actor, destination_actor, request_id, payload);
};

}  // namespace bucky

MSGPACK_ADD_ENUM(bucky::envelope_kind);
