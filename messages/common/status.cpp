#include "messages/common/status.hpp"

namespace bucky {

const char* status_code_name(status_code code) {
  switch (code) {
    case status_code::ok: return "ok";
    case status_code::invalid_argument: return "invalid_argument";
    case status_code::not_found: return "not_found";
    case status_code::already_exists: return "already_exists";
    case status_code::too_large: return "too_large";
    case status_code::unavailable: return "unavailable";
    case status_code::timeout: return "timeout";
    case status_code::io_error: return "io_error";
    case status_code::corruption: return "corruption";
    case status_code::permission_denied: return "permission_denied";
    case status_code::internal: return "internal";
    case status_code::unsupported: return "unsupported";
    case status_code::no_space: return "no_space";
  }
  return "unknown";
}

std::string status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(status_code_name(code_)) + ": " + message_;
}

}  // namespace bucky
