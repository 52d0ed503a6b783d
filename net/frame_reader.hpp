// Splits a TCP byte stream into frames: a 4-byte big-endian body length, then the
// body. The length is checked against the limit before any buffer grows for it, so
// a hostile length costs nothing. Sans-I/O: bytes in, frames out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "messages/common/status.hpp"

namespace bucky::net {

using bytes = std::vector<std::uint8_t>;

// Appends the 4-byte header and the body to `out`.
void append_frame(bytes& out, std::span<const std::uint8_t> body);

class frame_reader {
 public:
  explicit frame_reader(std::size_t frame_size_bytes_max) : frame_size_bytes_max_(frame_size_bytes_max) {}

  void feed(std::span<const std::uint8_t> input);
  // The next whole frame body, as a view into the reader's buffer that stays valid
  // until the next feed(); nullopt when more bytes are needed; an error for a length
  // of 0 or over the limit (the stream is unusable after that).
  result<std::optional<std::span<const std::uint8_t>>> next();
  std::size_t buffered_bytes() const { return buffer_.size() - consumed_; }

 private:
  std::size_t frame_size_bytes_max_;
  bytes buffer_;
  std::size_t consumed_ = 0;
};

}  // namespace bucky::net
