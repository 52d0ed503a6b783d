#include "messages/codec.hpp"

#include <fmt/format.h>

namespace bucky {

namespace {

msgpack::unpack_limit decode_limit() {
  return msgpack::unpack_limit(limits::decode_array_items_max, limits::decode_map_items_max,
                               limits::decode_string_bytes_max,
                               limits::decode_binary_bytes_max, limits::decode_ext_bytes_max,
                               limits::decode_depth_max);
}

// Strings and binaries stay in the input: decode() converts the object into its
// struct before the input can go away, and each copy of a 1 MiB chunk showed in perf.
bool refer_to_input(msgpack::type::object_type type, std::size_t, void*) {
  return type == msgpack::type::STR || type == msgpack::type::BIN;
}

}  // namespace

result<msgpack::object_handle> decode_object(std::span<const std::uint8_t> input,
                                             const char* what,
                                             std::size_t size_bytes_max) {
  if (input.size() > size_bytes_max) {
    return status(status_code::too_large,
                  fmt::format("decoding {}: {} bytes exceed the limit of {} bytes", what,
                              input.size(), size_bytes_max));
  }
  if (input.empty()) {
    return status(status_code::invalid_argument, fmt::format("decoding {}: input is empty", what));
  }
  std::size_t offset = 0;
  try {
    auto handle = msgpack::unpack(reinterpret_cast<const char*>(input.data()), input.size(),
                                  offset, refer_to_input, nullptr, decode_limit());
    if (offset != input.size()) {
      return status(status_code::invalid_argument,
                    fmt::format("decoding {}: {} trailing bytes after the message", what,
                                input.size() - offset));
    }
    return handle;
  } catch (const msgpack::insufficient_bytes&) {
    return status(status_code::invalid_argument,
                  fmt::format("decoding {}: truncated input ({} bytes)", what, input.size()));
  } catch (const std::exception& e) {
    return status(status_code::invalid_argument,
                  fmt::format("decoding {}: malformed msgpack ({})", what, e.what()));
  }
}

}  // namespace bucky
