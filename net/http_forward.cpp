#include "net/http_forward.hpp"

#include <chrono>
#include <sstream>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <fmt/format.h>

namespace bucky::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

template <class Message>
std::string as_bytes(const Message& message) {
  std::ostringstream out;
  out << message;
  return out.str();
}

template <bool IsRequest>
result<http::message<IsRequest, http::string_body>> parse_bytes(const std::string& bytes,
                                                               const http_forward_limits& limits) {
  http::parser<IsRequest, http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes_max));
  parser.body_limit(limits.body_bytes_max);
  parser.eager(true);
  beast::error_code error;
  auto used = parser.put(asio::buffer(bytes), error);
  if (!error && !parser.is_done()) parser.put_eof(error);
  if (error || !parser.is_done() || used > bytes.size()) {
    return status(status_code::invalid_argument,
                  fmt::format("malformed HTTP {}: {}", IsRequest ? "request" : "response",
                              error ? error.message() : "incomplete"));
  }
  return parser.release();
}

}  // namespace

std::string request_bytes(const web_request& request) { return as_bytes(request); }
std::string response_bytes(const web_response& response) { return as_bytes(response); }

result<web_request> parse_request_bytes(const std::string& bytes, const http_forward_limits& limits) {
  return parse_bytes<true>(bytes, limits);
}

result<web_response> parse_response_bytes(const std::string& bytes, const http_forward_limits& limits) {
  return parse_bytes<false>(bytes, limits);
}

result<web_response> forward_http(std::uint16_t port, web_request request, const http_forward_limits& limits) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::response_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes_max));
  parser.body_limit(limits.body_bytes_max);
  if (request.method() == http::verb::head) parser.skip(true);  // a Content-Length, no body
  beast::flat_buffer buffer;
  beast::error_code failure;
  const char* step = "connect";
  request.keep_alive(false);
  request.prepare_payload();
  stream.expires_after(std::chrono::milliseconds(limits.timeout_ms));
  tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
  stream.async_connect(endpoint, [&](const beast::error_code& error) {
    if (error) {
      failure = error;
      return;
    }
    step = "send the request";
    http::async_write(stream, request, [&](const beast::error_code& error, std::size_t) {
      if (error) {
        failure = error;
        return;
      }
      step = "read the response";
      http::async_read(stream, buffer, parser, [&](const beast::error_code& error, std::size_t) { failure = error; });
    });
  });
  io.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (failure == http::error::body_limit) {
    return status(status_code::too_large, fmt::format("the app's answer is larger than {} bytes", limits.body_bytes_max));
  }
  if (failure) {
    return status(status_code::unavailable, fmt::format("127.0.0.1:{}: could not {}: {}", port, step, failure.message()));
  }
  return parser.release();
}

}  // namespace bucky::net
