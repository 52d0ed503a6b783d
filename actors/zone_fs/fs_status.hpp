// How the zone file system reports a failure: the errno a POSIX caller expects
// (the FUSE mount returns it as is, `bucky fs` prints its name) and a message that
// says what, where and what to do. Expected failures only; broken invariants are
// BUCKY_CHECKs.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

#include "messages/common/status.hpp"

namespace bucky::zone_fs {

class [[nodiscard]] fs_status {
 public:
  fs_status() = default;
  fs_status(int error, std::string message) : error_(error), message_(std::move(message)) { BUCKY_CHECK(error > 0); }
  // A failure of the layers below (zone state, transport, disk) as an errno:
  // no_space → ENOSPC, not_found → ENOENT, unavailable/timeout → EAGAIN (try again),
  // permission_denied → EACCES, too_large → EFBIG, corruption and the rest → EIO.
  static fs_status from(const status& failure);
  bool is_ok() const { return error_ == 0; }
  int error() const { return error_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;  // "ENOENT: /photos/a.jpg: no such file"

 private:
  int error_ = 0;
  std::string message_;
};

template <class T>
class [[nodiscard]] fs_result {
 public:
  fs_result(T value) : state_(std::move(value)) {}
  fs_result(fs_status failure) : state_(std::move(failure)) { BUCKY_CHECK(!std::get<fs_status>(state_).is_ok()); }
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
  const T* operator->() const { return &value(); }
  const fs_status& error() const {
    static const fs_status ok;
    return has_value() ? ok : std::get<fs_status>(state_);
  }

 private:
  std::variant<T, fs_status> state_;
};

// The symbolic name of an errno value ("ENOENT"), "E<number>" for others.
const char* errno_name(int error);

}  // namespace bucky::zone_fs
