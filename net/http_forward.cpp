#include "net/http_forward.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <fmt/format.h>

#include "messages/common/check.hpp"

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

namespace {

// One exchange with the server at 127.0.0.1:port, on one io_context: connect, write,
// read, each bounded by the stream's expiry; `done` once at the end.
class forwarding : public std::enable_shared_from_this<forwarding> {
 public:
  forwarding(asio::io_context& io, std::uint16_t port, web_request request, const http_forward_limits& limits,
             std::function<void(result<web_response>)> done)
      : stream_(io), port_(port), request_(std::move(request)), limits_(limits), done_(std::move(done)) {
    parser_.header_limit(static_cast<std::uint32_t>(limits.header_bytes_max));
    parser_.body_limit(limits.body_bytes_max);
    if (request_.method() == http::verb::head) parser_.skip(true);  // a Content-Length, no body
    request_.keep_alive(false);
    request_.prepare_payload();
  }

  void start() {
    stream_.expires_after(std::chrono::milliseconds(limits_.timeout_ms));
    tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port_);
    stream_.async_connect(endpoint, [self = shared_from_this()](const beast::error_code& error) {
      if (error) return self->finish(error, "connect");
      beast::error_code ignored;
      self->stream_.socket().set_option(tcp::no_delay(true), ignored);  // the request goes in pieces
      http::async_write(self->stream_, self->request_, [self](const beast::error_code& error, std::size_t) {
        if (error) return self->finish(error, "send the request");
        http::async_read(self->stream_, self->buffer_, self->parser_, [self](const beast::error_code& error, std::size_t) {
          self->finish(error, "read the response");
        });
      });
    });
  }

 private:
  void finish(const beast::error_code& failure, const char* step) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    auto done = std::move(done_);
    if (failure == http::error::body_limit) {
      return done(status(status_code::too_large, fmt::format("the app's answer is larger than {} bytes", limits_.body_bytes_max)));
    }
    if (failure) {
      return done(status(status_code::unavailable, fmt::format("127.0.0.1:{}: could not {}: {}", port_, step, failure.message())));
    }
    done(parser_.release());
  }

  beast::tcp_stream stream_;
  std::uint16_t port_;
  web_request request_;
  http_forward_limits limits_;
  std::function<void(result<web_response>)> done_;
  http::response_parser<http::string_body> parser_;
  beast::flat_buffer buffer_;
};

}  // namespace

void forward_http_async(asio::io_context& io, std::uint16_t port, web_request request, const http_forward_limits& limits,
                        std::function<void(result<web_response>)> done) {
  std::make_shared<forwarding>(io, port, std::move(request), limits, std::move(done))->start();
}

result<web_response> forward_http(std::uint16_t port, web_request request, const http_forward_limits& limits) {
  asio::io_context io;
  std::optional<result<web_response>> out;
  forward_http_async(io, port, std::move(request), limits, [&out](result<web_response> answer) { out.emplace(std::move(answer)); });
  io.run();
  BUCKY_CHECK(out.has_value());
  return std::move(*out);
}

}  // namespace bucky::net
