#include <utility>

#include "net/http_server.hpp"

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "messages/common/check.hpp"

namespace bucky::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

const char* http_reason(int code) {
  switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return code < 500 ? "Error" : "Internal Server Error";
  }
}

namespace {

std::string error_json(int grpc_code, const std::string& message) {
  return nlohmann::json{{"error", message}, {"code", grpc_code}, {"message", message}}.dump();
}

std::string head(int code, const std::string& extra) {
  return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: application/json\r\n{}\r\n", code, http_reason(code), extra);
}

}  // namespace

class http_server::impl {
 public:
  impl(http_server_config config, http_handler handler) : config_(std::move(config)), handler_(std::move(handler)) {}

  class session;

  result<std::uint16_t> start() {
    boost::system::error_code error;
    auto address = asio::ip::make_address(config_.host, error);
    if (error) return status(status_code::invalid_argument, "HTTP listen address " + config_.host + ": " + error.message());
    tcp::endpoint endpoint(address, config_.port);
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return status(status_code::io_error, fmt::format("HTTP listen on {}:{}: {}", config_.host, config_.port, error.message()));
    }
    accept();
    thread_ = std::thread([this] { io_.run(); });
    return acceptor_.local_endpoint().port();
  }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      io_.stop();
    });
    thread_.join();
  }

  void accept();

  http_server_config config_;
  http_handler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::atomic<std::size_t> connections_{0};
};

// One connection: reads a request, hands it out, writes what the exchange says,
// then reads the next. Writes are queued and sent one at a time.
class http_server::impl::session : public std::enable_shared_from_this<session> {
 public:
  session(impl& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {
    boost::system::error_code error;
    stream_.socket().set_option(tcp::no_delay(true), error);  // answers go out whole, at once
    auto remote = stream_.socket().remote_endpoint(error);
    if (!error) peer_ = fmt::format("{}:{}", remote.address().to_string(), remote.port());
  }
  ~session() { --server_.connections_; }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.config_.header_bytes_max));
    parser_->body_limit(server_.config_.body_bytes_max);
    stream_.expires_after(std::chrono::milliseconds(server_.config_.idle_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_read(error); });
  }

  // From any thread: queued on the I/O thread.
  void send(std::string bytes, bool then_read, bool then_close) {
    asio::post(server_.io_, [self = shared_from_this(), bytes = std::move(bytes), then_read, then_close]() mutable {
      self->queue(std::move(bytes), then_read, then_close);
    });
  }

  bool gone() const { return gone_; }
  std::size_t queued_bytes() const { return queued_bytes_; }
  const std::string& peer() const { return peer_; }

 private:
  class exchange;

  void on_read(beast::error_code error) {
    if (error == http::error::body_limit) {
      return refuse(413, 8, fmt::format("the body is over {} bytes", server_.config_.body_bytes_max));
    }
    if (error == http::error::header_limit) return refuse(431, 3, "the headers are too large");
    if (error) return close();
    auto message = parser_->release();
    http_request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.body = std::move(message.body());
    if (auto auth = message.find(http::field::authorization); auth != message.end()) request.authorization = std::string(auth->value());
    request.peer = peer_;
    keep_alive_ = message.keep_alive();
    stream_.expires_never();  // the answer may take a while (a long-poll watch)
    dispatch(std::move(request));
  }

  void dispatch(http_request request);

  void refuse(int code, int grpc_code, const std::string& why) {
    auto body = error_json(grpc_code, why);
    queue(head(code, fmt::format("Connection: close\r\nContent-Length: {}\r\n", body.size())) + body, false, true);
  }

  void queue(std::string bytes, bool then_read, bool then_close) {
    if (gone_) return;
    queued_bytes_ += bytes.size();
    pending_.push_back({std::move(bytes), then_read, then_close});
    if (pending_.size() == 1) write_next();
  }

  void write_next() {
    auto& next = pending_.front();
    asio::async_write(stream_.socket(), asio::buffer(next.bytes),
                      [self = shared_from_this()](beast::error_code error, std::size_t) {
                        auto done = std::move(self->pending_.front());
                        self->pending_.pop_front();
                        self->queued_bytes_ -= done.bytes.size();
                        if (error) return self->close();
                        if (done.then_close) return self->close();
                        if (done.then_read) self->read();
                        if (!self->pending_.empty()) self->write_next();
                      });
  }

  void close() {
    gone_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  struct write_item {
    std::string bytes;
    bool then_read = false;
    bool then_close = false;
  };

  impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<write_item> pending_;
  std::atomic<std::size_t> queued_bytes_{0};
  std::atomic<bool> gone_{false};
  bool keep_alive_ = true;
  std::string peer_;

 public:
  bool keep_alive() const { return keep_alive_; }
};

class http_server::impl::session::exchange : public http_exchange {
 public:
  exchange(std::shared_ptr<session> owner, http_request request) : owner_(std::move(owner)), request_(std::move(request)) {}

  const http_request& request() const override { return request_; }

  void reply(int code, std::string body) override {
    if (answered_.exchange(true)) return;
    bool keep = owner_->keep_alive();
    owner_->send(head(code, fmt::format("Content-Length: {}\r\n{}", body.size(), keep ? "" : "Connection: close\r\n")) +
                     body,
                 keep, !keep);
  }

  void begin_stream(int code) override {
    if (answered_.exchange(true)) return;
    streaming_ = true;
    owner_->send(head(code, "Transfer-Encoding: chunked\r\n"), false, false);
  }

  bool write_chunk(std::string body) override {
    BUCKY_CHECK(streaming_);
    if (owner_->gone()) return false;
    if (owner_->queued_bytes() > owner_->server_.config_.stream_queue_bytes_max) return false;
    body += "\n";
    owner_->send(fmt::format("{:x}\r\n", body.size()) + body + "\r\n", false, false);
    return true;
  }

  void end_stream() override {
    if (!streaming_ || ended_.exchange(true)) return;
    owner_->send("0\r\n\r\n", owner_->keep_alive(), !owner_->keep_alive());
  }

  bool gone() const override { return owner_->gone(); }

  ~exchange() override {
    if (!answered_) reply(500, error_json(13, "the request was dropped without an answer"));
    else if (streaming_) end_stream();
  }

 private:
  std::shared_ptr<session> owner_;
  http_request request_;
  std::atomic<bool> answered_{false};
  std::atomic<bool> ended_{false};
  bool streaming_ = false;
};

void http_server::impl::session::dispatch(http_request request) {
  server_.handler_(std::make_shared<exchange>(shared_from_this(), std::move(request)));
}

void http_server::impl::accept() {
  acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;
    if (!error) {
      auto open = ++connections_;
      auto connection = std::make_shared<session>(*this, std::move(socket));
      if (open > config_.connections_max) {
        auto body = error_json(8, fmt::format("more than {} connections", config_.connections_max));
        connection->send(head(503, fmt::format("Connection: close\r\nContent-Length: {}\r\n", body.size())) + body,
                         false, true);
      } else {
        connection->read();
      }
    }
    accept();
  });
}

http_server::http_server(http_server_config config, http_handler handler)
    : impl_(std::make_unique<impl>(std::move(config), std::move(handler))) {}
http_server::~http_server() { stop(); }
result<std::uint16_t> http_server::start() { return impl_->start(); }
void http_server::stop() { impl_->stop(); }

}  // namespace bucky::net
