// msgpack encoding and decoding of the structs in messages/. Decoding treats its
// input as hostile: a size cap is checked before parsing, msgpack::unpack_limit
// bounds every container, trailing bytes are refused, and every failure comes back
// as a status (never an exception past the decoder).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/common/status.hpp"
#include "messages/limits.hpp"

namespace bucky {

using bytes = std::vector<std::uint8_t>;

template <class T>
bytes encode(const T& message) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, message);
  const auto* begin = reinterpret_cast<const std::uint8_t*>(buffer.data());
  return bytes(begin, begin + buffer.size());
}

// Parses one msgpack object that must span the whole input. `what` names the
// message in errors ("actor_table"). Strings and binaries in the object point into
// `input` (not copied: chunks of 1 MiB cross here), so the handle is only good while
// `input` lives.
result<msgpack::object_handle> decode_object(std::span<const std::uint8_t> input,
                                             const char* what,
                                             std::size_t size_bytes_max);

template <class T>
result<T> decode(std::span<const std::uint8_t> input,
                 std::size_t size_bytes_max = limits::message_size_bytes_max) {
  auto handle = decode_object(input, T::type_name, size_bytes_max);
  if (!handle) return handle.error();
  try {
    T message;
    handle->get().convert(message);
    // Messages with semantic bounds (name lengths, enum ranges) check them here.
    if constexpr (requires { message.validate(); }) {
      status valid = message.validate();
      if (!valid.is_ok()) return valid;
    }
    return message;
  } catch (const std::exception& e) {
    return status(status_code::invalid_argument,
                  std::string("decoding ") + T::type_name + ": wrong shape (" + e.what() + ")");
  }
}

}  // namespace bucky
