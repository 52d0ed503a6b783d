#include "actors/relay/relay_flow.hpp"

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky::relay {

relay_flow::relay_flow(std::uint64_t window_bytes) : window_bytes_(window_bytes) { BUCKY_CHECK(window_bytes > 0); }

std::uint64_t relay_flow::send_budget() const {
  BUCKY_CHECK(acked_ <= sent_ && sent_ - acked_ <= window_bytes_);
  return window_bytes_ - (sent_ - acked_);
}

void relay_flow::on_sent(std::uint64_t bytes) {
  BUCKY_CHECK(bytes <= send_budget());
  sent_ += bytes;
}

status relay_flow::on_ack(std::uint64_t written) {
  if (written < acked_ || written > sent_) {
    return status(status_code::invalid_argument,
                  fmt::format("an ack of {} bytes written, with {} acknowledged and {} sent", written, acked_, sent_));
  }
  acked_ = written;
  return {};
}

status relay_flow::on_data(std::uint64_t offset, std::uint64_t bytes) {
  if (offset != received_) {
    return status(status_code::unavailable, fmt::format("bytes at offset {} where {} was next (messages were lost)",
                                                    offset, received_));
  }
  if (received_ + bytes - written_ > window_bytes_) {
    return status(status_code::invalid_argument,
                  fmt::format("{} bytes past the window of {}", received_ + bytes - written_ - window_bytes_,
                              window_bytes_));
  }
  received_ += bytes;
  return {};
}

void relay_flow::on_written(std::uint64_t bytes) {
  BUCKY_CHECK(bytes <= unwritten());
  written_ += bytes;
}

std::uint64_t relay_flow::ack_due() {
  if (written_ == told_) return 0;
  told_ = written_;
  return written_;
}

}  // namespace bucky::relay
