#include "net/connection_core.hpp"

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky::net {

namespace {

// Stream frames: a message is a non-empty plaintext with the MESSAGE tag; a
// keepalive is an empty plaintext with the MESSAGE tag; a goodbye is an empty
// plaintext with the FINAL tag (so a cut stream is told from a closed one).
// Messages are sealed straight into the output buffer and opened straight into the
// event: no copy beyond the one the cipher makes.
constexpr std::uint8_t tag_message = crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
constexpr std::uint8_t tag_final = crypto_secretstream_xchacha20poly1305_TAG_FINAL;
constexpr std::size_t stream_overhead_bytes = crypto_secretstream_xchacha20poly1305_ABYTES;

}  // namespace

connection_core::connection_core(handshake hs, connection_options options, std::uint64_t now_ms)
    : options_(std::move(options)),
      handshake_(std::move(hs)),
      reader_(options_.frame_size_bytes_max),
      created_ms_(now_ms),
      last_received_ms_(now_ms),
      last_sent_ms_(now_ms) {
  BUCKY_CHECK(options_.message_size_bytes_max + stream_overhead_bytes <= options_.frame_size_bytes_max);
  for (auto& frame : handshake_.take_frames()) append_frame(output_, frame);
}

connection_core::~connection_core() {
  sodium_memzero(&send_state_, sizeof send_state_);
  sodium_memzero(&receive_state_, sizeof receive_state_);
}

connection_core connection_core::dial(const key_pair& self, public_key expected_peer,
                                      peer_authorizer authorize, random_source random,
                                      connection_options options, std::uint64_t now_ms) {
  auto hs = handshake::initiator(self, options.zone_id, expected_peer, std::move(authorize), std::move(random));
  return connection_core(std::move(hs), std::move(options), now_ms);
}

connection_core connection_core::accept(const key_pair& self, peer_authorizer authorize,
                                        random_source random, connection_options options,
                                        std::uint64_t now_ms) {
  auto hs = handshake::responder(self, options.zone_id, std::move(authorize), std::move(random));
  return connection_core(std::move(hs), std::move(options), now_ms);
}

bytes connection_core::take_output() { return std::exchange(output_, {}); }

void connection_core::end(status reason, std::vector<connection_event>& events) {
  if (closed_) return;
  closed_ = true;
  connection_event event;
  event.what = connection_event::kind::closed;
  event.reason = std::move(reason);
  events.push_back(std::move(event));
}

std::vector<connection_event> connection_core::on_bytes(std::span<const std::uint8_t> input,
                                                        std::uint64_t now_ms) {
  std::vector<connection_event> events;
  if (closed_) return events;
  reader_.feed(input);
  while (!closed_) {
    auto next = reader_.next();
    if (!next) {
      end(next.error(), events);
      break;
    }
    if (!next->has_value()) break;
    last_received_ms_ = now_ms;
    on_frame(**next, now_ms, events);
  }
  return events;
}

void connection_core::on_frame(std::span<const std::uint8_t> frame, std::uint64_t now_ms,
                               std::vector<connection_event>& events) {
  if (!established_) {
    on_handshake_frame(frame, events);
    for (auto& out : handshake_.take_frames()) append_frame(output_, out);
    if (!output_.empty()) last_sent_ms_ = now_ms;
    return;
  }
  on_stream_frame(frame, events);
}

void connection_core::on_handshake_frame(std::span<const std::uint8_t> frame, std::vector<connection_event>& events) {
  auto handled = handshake_.on_frame(frame);
  if (!handled.is_ok()) {
    end(handled, events);
    return;
  }
  if (!handshake_.done()) return;
  auto result = handshake_.take_result();
  send_state_ = result.send_state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&receive_state_, result.receive_header.data(),
                                                      result.receive_key.data()) != 0) {
    end({status_code::permission_denied, "peer's stream header is invalid"}, events);
    return;
  }
  sodium_memzero(result.receive_key.data(), result.receive_key.size());
  established_ = true;
  peer_ = result.peer;
  connection_event event;
  event.what = connection_event::kind::established;
  event.peer = result.peer;
  events.push_back(std::move(event));
}

void connection_core::on_stream_frame(std::span<const std::uint8_t> frame, std::vector<connection_event>& events) {
  if (frame.size() < stream_overhead_bytes) {
    end({status_code::invalid_argument, fmt::format("stream frame of {} bytes is too short", frame.size())}, events);
    return;
  }
  connection_event event;
  event.what = connection_event::kind::message;
  event.message.resize(frame.size() - stream_overhead_bytes);
  unsigned long long plain_size = 0;
  std::uint8_t tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(&receive_state_, event.message.data(), &plain_size, &tag,
                                                 frame.data(), frame.size(), nullptr, 0) != 0) {
    end({status_code::corruption,
         "frame failed authentication (altered, replayed, reordered, or from another session)"},
        events);
    return;
  }
  BUCKY_CHECK(plain_size == event.message.size());
  if (tag == tag_final && plain_size == 0) {
    end({}, events);  // goodbye
  } else if (tag != tag_message) {
    end({status_code::invalid_argument, fmt::format("stream frame with unexpected tag {}", tag)}, events);
  } else if (plain_size > 0) {
    events.push_back(std::move(event));
  }  // else a keepalive: liveness only, last_received_ms_ was already updated
}

void connection_core::push_frame(std::span<const std::uint8_t> body, std::uint8_t tag, std::uint64_t now_ms) {
  BUCKY_CHECK(established_ && !closed_);
  const std::size_t sealed_size = body.size() + stream_overhead_bytes;
  const std::size_t at = output_.size();
  output_.resize(at + limits::frame_header_bytes + sealed_size);
  auto* header = output_.data() + at;
  header[0] = static_cast<std::uint8_t>(sealed_size >> 24);
  header[1] = static_cast<std::uint8_t>(sealed_size >> 16);
  header[2] = static_cast<std::uint8_t>(sealed_size >> 8);
  header[3] = static_cast<std::uint8_t>(sealed_size);
  unsigned long long written = 0;
  BUCKY_CHECK(crypto_secretstream_xchacha20poly1305_push(&send_state_, header + limits::frame_header_bytes, &written,
                                                         body.data(), body.size(), nullptr, 0, tag) == 0);
  BUCKY_CHECK(written == sealed_size);
  last_sent_ms_ = now_ms;
}

status connection_core::send(std::span<const std::uint8_t> message, std::uint64_t now_ms) {
  if (closed_) return {status_code::unavailable, "connection is closed"};
  if (!established_) return {status_code::unavailable, "connection is not established yet"};
  if (message.empty() || message.size() > options_.message_size_bytes_max) {
    return {status_code::too_large, fmt::format("message of {} bytes is outside 1..{} bytes", message.size(),
                                                options_.message_size_bytes_max)};
  }
  std::size_t frame_bytes = limits::frame_header_bytes + message.size() + stream_overhead_bytes;
  if (output_.size() + frame_bytes > options_.send_queue_bytes_max) {
    return {status_code::unavailable,
            fmt::format("send queue full ({} bytes waiting, limit {}): the peer reads too slowly",
                        output_.size(), options_.send_queue_bytes_max)};
  }
  push_frame(message, tag_message, now_ms);
  return {};
}

std::vector<connection_event> connection_core::on_tick(std::uint64_t now_ms) {
  std::vector<connection_event> events;
  if (closed_) return events;
  if (!established_) {
    if (now_ms >= created_ms_ + options_.handshake_timeout_ms) {
      end({status_code::timeout, fmt::format("handshake did not finish within {} ms", options_.handshake_timeout_ms)},
          events);
    }
    return events;
  }
  if (now_ms >= last_received_ms_ + options_.idle_timeout_ms) {
    end({status_code::timeout, fmt::format("peer silent for {} ms", now_ms - last_received_ms_)}, events);
    return events;
  }
  if (now_ms >= last_sent_ms_ + options_.keepalive_interval_ms) {
    push_frame({}, tag_message, now_ms);
  }
  return events;
}

std::vector<connection_event> connection_core::on_disconnect(const std::string& why) {
  std::vector<connection_event> events;
  end({status_code::unavailable, why}, events);
  return events;
}

std::vector<connection_event> connection_core::close(const std::string& why) {
  std::vector<connection_event> events;
  if (closed_) return events;
  if (established_) {
    push_frame({}, tag_final, last_sent_ms_);
  }
  end({status_code::unavailable, why}, events);
  return events;
}

}  // namespace bucky::net
