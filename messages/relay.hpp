// The relay through a gateway node (DESIGN §10.3, issue 21): a browser away from
// home connects to the gateway node, which reads only the server name of its TLS
// ClientHello and carries the connection's raw bytes, still encrypted, over the
// authenticated session a home node holds to it; the home node's gateway ends the
// TLS. All one-way messages between nodes (the transport refuses them from anyone
// else), in a session's order:
//
//   home -> gateway node   relay_hello   every few seconds: "send me connections"
//   gateway node -> home   relay_open    a new stream and its first bytes
//   both ways              relay_data    the next bytes of a stream (numbered)
//   both ways              relay_ack     bytes written out so far (flow control)
//   both ways              relay_close   the stream ends, and why
//
// A stream is named by the gateway node that opened it and its id there.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/type_ids.hpp"

namespace bucky {

namespace relay_limits {
inline constexpr std::size_t data_bytes_max = 64 * 1024;     // one relay_data
inline constexpr std::size_t window_bytes = 256 * 1024;      // sent but not acknowledged, per stream
inline constexpr std::size_t apps_max = 256;                 // in one hello
inline constexpr std::size_t reason_bytes_max = 256;
}  // namespace relay_limits

struct relay_hello {
  static constexpr message_type type_id = message_type::relay_hello;
  static constexpr const char* type_name = "relay_hello";
  std::vector<std::string> apps;  // apps running on this home node (the relay prefers it for them)
  MSGPACK_DEFINE(apps);
};

struct relay_open {
  static constexpr message_type type_id = message_type::relay_open;
  static constexpr const char* type_name = "relay_open";
  std::uint64_t stream = 0;
  std::string server_name;          // from the ClientHello (SNI)
  std::string client;               // the client's ip:port, for the home gateway's limits and logs
  std::vector<std::uint8_t> bytes;  // what the client sent so far (its ClientHello)
  MSGPACK_DEFINE(stream, server_name, client, bytes);
};

struct relay_data {
  static constexpr message_type type_id = message_type::relay_data;
  static constexpr const char* type_name = "relay_data";
  std::uint64_t stream = 0;
  std::uint64_t offset = 0;  // of bytes[0] in this direction of the stream (a gap ends it)
  std::vector<std::uint8_t> bytes;
  MSGPACK_DEFINE(stream, offset, bytes);
};

struct relay_ack {
  static constexpr message_type type_id = message_type::relay_ack;
  static constexpr const char* type_name = "relay_ack";
  std::uint64_t stream = 0;
  std::uint64_t written = 0;  // bytes of this direction written to the socket so far
  MSGPACK_DEFINE(stream, written);
};

struct relay_close {
  static constexpr message_type type_id = message_type::relay_close;
  static constexpr const char* type_name = "relay_close";
  std::uint64_t stream = 0;
  std::string reason;  // "" for a clean end
  MSGPACK_DEFINE(stream, reason);
};

}  // namespace bucky
