// A request for an app that runs on another node (issue 21): the gateway that got
// it sends the HTTP request, as bytes, to the gateway of the app's node over the
// transport, which passes it to the app through its loopback port and answers with
// the app's response as bytes. Only nodes may ask (a person's key reaches apps
// through the gateway's sign-in, not around it). One message each way, so a body
// is bounded by a transport message: relayed_bytes_max.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/limits.hpp"
#include "messages/type_ids.hpp"

namespace bucky {

inline constexpr std::size_t relayed_bytes_max = limits::message_size_bytes_max - 64 * 1024;

struct gateway_http_reply {
  static constexpr message_type type_id = message_type::gateway_http_reply;
  static constexpr const char* type_name = "gateway_http_reply";
  bool ok = false;
  std::string error;               // !ok: what failed, for the 502 body
  std::vector<std::uint8_t> bytes;  // ok: the app's HTTP response
  MSGPACK_DEFINE(ok, error, bytes);
};

struct gateway_http_request {
  static constexpr message_type type_id = message_type::gateway_http_request;
  static constexpr const char* type_name = "gateway_http_request";
  using response_type = gateway_http_reply;
  std::string app;
  std::uint16_t port = 0;           // the app's port on that node's loopback
  std::vector<std::uint8_t> bytes;  // the HTTP request, the gateway's headers added
  MSGPACK_DEFINE(app, port, bytes);
};

}  // namespace bucky
