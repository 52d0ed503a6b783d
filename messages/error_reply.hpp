// The answer to a request that could not be served: an unknown destination actor,
// an unknown message type, a refused operation. Carries a status in words.
#pragma once

#include <cstdint>
#include <string>

#include <msgpack.hpp>

#include "messages/common/status.hpp"
#include "messages/type_ids.hpp"

namespace bucky {

struct error_reply {
  static constexpr message_type type_id = message_type::error_reply;
  static constexpr const char* type_name = "error_reply";

  std::uint8_t code = 0;  // a status_code
  std::string message;

  static error_reply from(const status& failure) {
    return {static_cast<std::uint8_t>(failure.code()), failure.message()};
  }
  status to_status() const { return {static_cast<status_code>(code), message}; }

  status validate() const {
    if (code == 0 || code > static_cast<std::uint8_t>(status_code_last)) {
      return {status_code::invalid_argument,
              "decoding error_reply: code " + std::to_string(code) + " is not a known status code"};
    }
    return {};
  }

  MSGPACK_DEFINE(code, message);
};

}  // namespace bucky
