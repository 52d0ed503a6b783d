// One authenticated connection between two nodes, without sockets: bytes from the
// peer go in, bytes for the peer and events come out. It runs the handshake, then
// a crypto_secretstream per direction, so any altered, replayed, reordered or
// foreign frame fails authentication and ends the connection. It also keeps the
// time rules: handshake timeout, keepalives, idle timeout, and bounds the bytes
// waiting to be written (send() refuses past the bound: back-pressure).
// The Asio session and the fuzzers drive it; tests drive two of them back to back.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <sodium.h>

#include "messages/common/status.hpp"
#include "net/frame_reader.hpp"
#include "net/handshake.hpp"
#include "net/limits.hpp"

namespace bucky::net {

struct connection_options {
  std::string zone_id = "local";
  std::size_t frame_size_bytes_max = limits::frame_size_bytes_max;
  std::size_t message_size_bytes_max = bucky::limits::message_size_bytes_max;
  std::uint64_t handshake_timeout_ms = limits::handshake_timeout_ms;
  std::uint64_t keepalive_interval_ms = limits::keepalive_interval_ms;
  std::uint64_t idle_timeout_ms = limits::idle_timeout_ms;
  std::size_t send_queue_bytes_max = limits::send_queue_bytes_max;
};

struct connection_event {
  enum class kind : std::uint8_t { established, message, closed };
  kind what = kind::closed;
  bytes message;       // message: one payload as the peer sent it
  peer_identity peer;  // established: who, proven
  status reason;       // closed: ok after a goodbye, else why
};

class connection_core {
 public:
  static connection_core dial(const key_pair& self, public_key expected_peer, peer_authorizer authorize,
                              random_source random, connection_options options, std::uint64_t now_ms);
  static connection_core accept(const key_pair& self, peer_authorizer authorize, random_source random,
                                connection_options options, std::uint64_t now_ms);

  connection_core(connection_core&&) noexcept = default;
  connection_core& operator=(connection_core&&) noexcept = default;
  ~connection_core();

  std::vector<connection_event> on_bytes(std::span<const std::uint8_t> input, std::uint64_t now_ms);
  std::vector<connection_event> on_tick(std::uint64_t now_ms);
  // The TCP stream ended (or failed) under us.
  std::vector<connection_event> on_disconnect(const std::string& why);
  // Queues one message; refused before the handshake, after close, when too large,
  // or when the send queue is full.
  status send(std::span<const std::uint8_t> message, std::uint64_t now_ms);
  // Queues a goodbye (end of stream) and closes; the caller flushes the output.
  std::vector<connection_event> close(const std::string& why);

  bytes take_output();
  std::size_t output_bytes() const { return output_.size(); }
  bool established() const { return established_; }
  bool closed() const { return closed_; }
  const std::optional<peer_identity>& peer() const { return peer_; }

 private:
  connection_core(handshake hs, connection_options options, std::uint64_t now_ms);
  void push_frame(std::span<const std::uint8_t> body, std::uint8_t tag, std::uint64_t now_ms);
  void on_frame(std::span<const std::uint8_t> frame, std::uint64_t now_ms, std::vector<connection_event>& events);
  void on_handshake_frame(std::span<const std::uint8_t> frame, std::vector<connection_event>& events);
  void on_stream_frame(std::span<const std::uint8_t> frame, std::vector<connection_event>& events);
  void end(status reason, std::vector<connection_event>& events);

  connection_options options_;
  handshake handshake_;
  frame_reader reader_;
  bytes output_;
  crypto_secretstream_xchacha20poly1305_state send_state_{};
  crypto_secretstream_xchacha20poly1305_state receive_state_{};
  std::optional<peer_identity> peer_;
  bool established_ = false;
  bool closed_ = false;
  std::uint64_t created_ms_ = 0;
  std::uint64_t last_received_ms_ = 0;
  std::uint64_t last_sent_ms_ = 0;
};

}  // namespace bucky::net
