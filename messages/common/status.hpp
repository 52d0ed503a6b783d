// status and result<T>: how expected failures travel as values (bad input, peer
// gone, map full). Every layer uses them; cores never throw for an expected failure.
// A status names what failed and where, so it can be shown to a person as it is.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "messages/common/check.hpp"

namespace bucky {

enum class status_code : std::uint8_t {
  ok = 0,
  invalid_argument,  // the caller sent something malformed or out of range
  not_found,
  already_exists,
  too_large,         // a frame, key, value or batch over its declared limit
  unavailable,       // peer or quorum unreachable; retrying later may work
  timeout,
  io_error,          // the OS or LMDB refused an operation
  corruption,        // bytes on disk or on the wire fail their checks
  permission_denied,
  internal,          // reported by a component that caught a broken invariant
  unsupported,       // well-formed, but asks for something not implemented
  no_space,          // a disk, a quota or a holder has no room for it (ENOSPC)
};
inline constexpr status_code status_code_last = status_code::no_space;

const char* status_code_name(status_code code);

class [[nodiscard]] status {
 public:
  status() = default;  // ok
  status(status_code code, std::string message) : code_(code), message_(std::move(message)) {
    BUCKY_CHECK(code != status_code::ok);
  }

  static status ok() { return {}; }
  bool is_ok() const { return code_ == status_code::ok; }
  status_code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "too_large: frame of 9000000 bytes exceeds frame_size_bytes_max 4194304"
  std::string to_string() const;

 private:
  status_code code_ = status_code::ok;
  std::string message_;
};

// Either a value or a non-ok status. Small on purpose: std::expected is C++23.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : state_(std::move(value)) {}
  result(status error) : state_(std::move(error)) {
    BUCKY_CHECK(!std::get<status>(state_).is_ok());
  }

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() {
    BUCKY_CHECK_MSG(has_value(), error().to_string());
    return std::get<T>(state_);
  }
  const T& value() const {
    BUCKY_CHECK_MSG(has_value(), error().to_string());
    return std::get<T>(state_);
  }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const status& error() const {
    static const status ok_status;
    return has_value() ? ok_status : std::get<status>(state_);
  }

 private:
  std::variant<T, status> state_;
};

}  // namespace bucky
