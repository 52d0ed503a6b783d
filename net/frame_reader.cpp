#include "net/frame_reader.hpp"

#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "net/limits.hpp"

namespace bucky::net {

void append_frame(bytes& out, std::span<const std::uint8_t> body) {
  BUCKY_CHECK(!body.empty() && body.size() <= 0xffffffffu);
  auto size = static_cast<std::uint32_t>(body.size());
  out.push_back(static_cast<std::uint8_t>(size >> 24));
  out.push_back(static_cast<std::uint8_t>(size >> 16));
  out.push_back(static_cast<std::uint8_t>(size >> 8));
  out.push_back(static_cast<std::uint8_t>(size));
  out.insert(out.end(), body.begin(), body.end());
}

void frame_reader::feed(std::span<const std::uint8_t> input) {
  // Drop what earlier frames consumed before growing, so the buffer stays one frame.
  if (consumed_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
    consumed_ = 0;
  }
  buffer_.insert(buffer_.end(), input.begin(), input.end());
}

result<std::optional<std::span<const std::uint8_t>>> frame_reader::next() {
  using view = std::optional<std::span<const std::uint8_t>>;
  std::size_t available = buffer_.size() - consumed_;
  if (available < limits::frame_header_bytes) return view{};
  const std::uint8_t* header = buffer_.data() + consumed_;
  std::size_t size = (std::size_t{header[0]} << 24) | (std::size_t{header[1]} << 16) |
                     (std::size_t{header[2]} << 8) | std::size_t{header[3]};
  if (size == 0 || size > frame_size_bytes_max_) {
    return status(status_code::too_large,
                  fmt::format("frame length {} is outside 1..{} bytes", size, frame_size_bytes_max_));
  }
  if (available < limits::frame_header_bytes + size) return view{};
  const std::uint8_t* body = header + limits::frame_header_bytes;
  consumed_ += limits::frame_header_bytes + size;
  return view{std::span<const std::uint8_t>(body, size)};
}

}  // namespace bucky::net
