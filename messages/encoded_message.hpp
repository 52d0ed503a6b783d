// A message as it travels inside an envelope: its type id and its msgpack bytes.
// What a served request answers (wire_registry) and what a remote request gets
// back (routing_core); plain data, no CAF.
#pragma once

#include <cstdint>
#include <vector>

namespace bucky {

struct encoded_message {
  std::uint16_t type = 0;
  std::vector<std::uint8_t> payload;
};

}  // namespace bucky
