// One HTTP/1.1 request to a server on this machine and its one response (issue 21):
// how the gateway reaches an app through the loopback port its node opened for it
// (process_manager/port_forwards.hpp). Blocking, bounded: connect, write and read
// all within timeout_ms, a response header of at most header_bytes_max and a body
// of at most body_bytes_max. The connection is closed after the response.
#pragma once

#include <utility>

#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "messages/common/status.hpp"
#include "net/https_server.hpp"

namespace bucky::net {

struct http_forward_limits {
  std::uint64_t timeout_ms = 30'000;
  std::size_t header_bytes_max = 64 * 1024;
  std::size_t body_bytes_max = 64ull << 20;
};

// The response, or unavailable (nothing listens, timeout) / too_large, in words.
result<web_response> forward_http(std::uint16_t port, web_request request, const http_forward_limits& limits);

// The same without blocking: on `io` (the gateway's I/O thread), `done` called there
// once with the response or the refusal.
void forward_http_async(boost::asio::io_context& io, std::uint16_t port, web_request request,
                        const http_forward_limits& limits, std::function<void(result<web_response>)> done);

// A request or response as HTTP/1.1 bytes, and back (for carrying one over the
// transport). Parsing is bounded like forward_http's reading.
std::string request_bytes(const web_request& request);
result<web_request> parse_request_bytes(const std::string& bytes, const http_forward_limits& limits);
std::string response_bytes(const web_response& response);
result<web_response> parse_response_bytes(const std::string& bytes, const http_forward_limits& limits);

}  // namespace bucky::net
