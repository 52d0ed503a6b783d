// Bounds of the transport, in one place, units in names.
#pragma once

#include <cstddef>
#include <cstdint>

#include "messages/limits.hpp"

namespace bucky::net::limits {

// A frame body is one encrypted envelope: the envelope limit plus crypto overhead.
inline constexpr std::size_t frame_size_bytes_max = bucky::limits::message_size_bytes_max + 1024;
inline constexpr std::size_t frame_header_bytes = 4;
inline constexpr std::uint64_t handshake_timeout_ms = 5'000;
inline constexpr std::uint64_t keepalive_interval_ms = 2'000;
inline constexpr std::uint64_t idle_timeout_ms = 10'000;  // nothing received this long: dead
// Encrypted bytes waiting for the socket; past this, sends are refused (back-pressure).
inline constexpr std::size_t send_queue_bytes_max = 16 * 1024 * 1024;
inline constexpr std::size_t zone_id_bytes_max = 253;  // a DNS name
inline constexpr std::uint64_t reconnect_backoff_ms_min = 100;
inline constexpr std::uint64_t reconnect_backoff_ms_max = 5'000;
// Nodes (zone_limits::nodes_max), the owner and the admins of /users/ (users_max).
inline constexpr std::size_t peers_max = 512;

}  // namespace bucky::net::limits
