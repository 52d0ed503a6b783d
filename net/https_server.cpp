#include "net/https_server.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "messages/common/check.hpp"
#include "net/tcp_listen.hpp"

namespace bucky::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;
using std::chrono::milliseconds;

web_response make_web_response(unsigned status_code, std::string content_type, std::string body) {
  web_response response{static_cast<http::status>(status_code), 11};
  response.set(http::field::server, "bucky-gateway");
  response.set(http::field::content_type, content_type);
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  response.body() = std::move(body);
  return response;
}

web_response web_error(unsigned status_code, const std::string& message) {
  return make_web_response(status_code, "application/json", nlohmann::json{{"error", message}}.dump());
}

namespace {

constexpr std::size_t plain_header_bytes_max = 8 * 1024;
constexpr std::uint64_t plain_timeout_ms = 5'000;
constexpr std::uint64_t shutdown_timeout_ms = 2'000;

// What a parse error becomes: 431, 413 or 400, and the words for it.
std::pair<unsigned, std::string> parse_refusal(const error_code& error) {
  if (error == http::error::header_limit) return {431, "the request header is too large"};
  if (error == http::error::body_limit) return {413, "the request body is too large for this request"};
  return {400, "malformed HTTP request: " + error.message()};
}

std::string stream_head_text(const web_response& head) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\n", head.result_int(), std::string(head.reason()));
  for (const auto& field : head) {
    if (field.name() == http::field::content_length || field.name() == http::field::transfer_encoding) continue;
    out += fmt::format("{}: {}\r\n", std::string(field.name_string()), std::string(field.value()));
  }
  return out + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
}

}  // namespace

class https_server::impl : public std::enable_shared_from_this<https_server::impl> {
 public:
  impl(https_server_config config, web_body_limit body_limit, web_handler handler)
      : config_(std::move(config)), body_limit_(std::move(body_limit)), handler_(std::move(handler)),
        acceptor_(io_), plain_acceptor_(io_) {}

  class connection;
  class exchange;

  status set_certificate(const std::string& chain_pem, const std::string& key_pem) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    error_code error;
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                             ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                         error);
    if (!error) context->use_certificate_chain(asio::buffer(chain_pem), error);
    if (!error) context->use_private_key(asio::buffer(key_pem), ssl::context::pem, error);
    if (error) return status(status_code::invalid_argument, "the gateway's certificate does not load: " + error.message());
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
      return status(status_code::invalid_argument, "the gateway's private key is not its certificate's");
    }
    std::lock_guard lock(context_mutex_);
    context_ = std::move(context);
    return {};
  }

  std::shared_ptr<ssl::context> context() const {
    std::lock_guard lock(context_mutex_);
    return context_;
  }

  result<https_ports> start() {
    https_ports ports;
    auto bound = listen(acceptor_, config_.port);
    if (!bound) return bound.error();
    ports.https = *bound;
    https_port_ = *bound;
    if (config_.plain_port) {
      auto plain = listen(plain_acceptor_, *config_.plain_port);
      if (!plain) return plain.error();
      ports.plain = *plain;
      accept_plain();
    }
    accept();
    thread_ = std::thread([self = shared_from_this()] { self->io_.run(); });
    return ports;
  }

  void stop() {
    asio::post(io_, [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
      self->plain_acceptor_.close(ignored);
      self->io_.stop();
    });
    if (thread_.joinable()) thread_.join();
  }

  std::size_t connections() const { return connections_.load(); }

  void name_relayed(const std::string& local_end, std::string client) {
    std::lock_guard lock(relayed_mutex_);
    BUCKY_CHECK(relayed_.size() < relayed_max);
    relayed_[local_end] = std::move(client);
  }
  void forget_relayed(const std::string& local_end) {
    std::lock_guard lock(relayed_mutex_);
    relayed_.erase(local_end);
  }
  // Who a connection from `remote` is: its address, or the client the relay named.
  std::string client_of(const tcp::endpoint& remote) {
    auto address = remote.address().to_string();
    std::lock_guard lock(relayed_mutex_);
    auto found = relayed_.find(address + ":" + std::to_string(remote.port()));
    return found == relayed_.end() ? address : found->second;
  }

  const https_server_config& config() const { return config_; }
  asio::io_context& io() { return io_; }
  const web_handler& handler() const { return handler_; }
  std::uint64_t body_limit(const web_request_header& header) const { return body_limit_ ? body_limit_(header) : 0; }
  void release(const std::string& address) {
    connections_.fetch_sub(1);
    if (auto found = per_address_.find(address); found != per_address_.end() && --found->second == 0) {
      per_address_.erase(found);
    }
  }

 private:
  result<std::uint16_t> listen(tcp::acceptor& acceptor, std::uint16_t port) {
    return listen_tcp(acceptor, config_.host, port, "gateway");
  }

  // Admits a connection from `address` within the limits, counting it.
  bool admit(const std::string& address) {
    auto& count = per_address_[address];
    if (connections_.load() >= config_.connections_max || count >= config_.connections_per_address_max) {
      if (count == 0) per_address_.erase(address);
      if (config_.log) {
        config_.log->warn("gateway: refused a connection from {}: {} open in all, {} from it (limits {} and {})",
                          address, connections_.load(), count, config_.connections_max,
                          config_.connections_per_address_max);
      }
      return false;
    }
    ++count;
    connections_.fetch_add(1);
    return true;
  }

  void accept();
  void accept_plain();
  void redirect(std::shared_ptr<beast::tcp_stream> stream);

  https_server_config config_;
  web_body_limit body_limit_;
  web_handler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::acceptor plain_acceptor_;
  std::uint16_t https_port_ = 0;
  std::thread thread_;
  mutable std::mutex context_mutex_;
  std::shared_ptr<ssl::context> context_;
  std::atomic<std::size_t> connections_{0};
  std::map<std::string, std::size_t> per_address_;  // I/O thread only
  static constexpr std::size_t relayed_max = 1 << 16;
  std::mutex relayed_mutex_;
  std::map<std::string, std::string> relayed_;  // local end "ip:port" of a relay's connection -> its client
};

// One TLS connection: handshake, then requests one after another (keep-alive), or
// one stream to its end.
class https_server::impl::connection : public std::enable_shared_from_this<connection> {
 public:
  connection(std::shared_ptr<impl> server, tcp::socket socket, std::shared_ptr<ssl::context> context,
             std::string address)
      : server_(std::move(server)), context_(std::move(context)), stream_(std::move(socket), *context_),
        address_(std::move(address)), handler_timer_(server_->io()) {}
  ~connection() { server_->release(address_); }

  void start() {
    lowest().expires_after(milliseconds(config().handshake_timeout_ms));
    stream_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](const error_code& error) {
      if (error) return self->close();
      self->read_header(self->config().handshake_timeout_ms);
    });
  }

  // From any thread, through the exchange: the answer of request `serial`.
  void answer(std::uint64_t serial, std::shared_ptr<web_response> response) {
    asio::post(server_->io(), [self = shared_from_this(), serial, response] { self->send(serial, response); });
  }
  void stream_head(std::uint64_t serial, std::string text) {
    asio::post(server_->io(), [self = shared_from_this(), serial, text = std::move(text)]() mutable {
      if (serial != self->serial_ || self->streaming_) return;
      self->handler_timer_.cancel();
      self->streaming_ = true;
      self->enqueue(std::move(text));
      self->watch_for_close();
    });
  }
  bool stream_chunk(std::string data, bool last) {
    if (gone_.load()) return false;
    auto size = data.size();
    if (queued_bytes_.fetch_add(size) + size > config().stream_queue_bytes_max) {
      gone_.store(true);
      asio::post(server_->io(), [self = shared_from_this()] { self->close(); });
      return false;
    }
    asio::post(server_->io(), [self = shared_from_this(), data = std::move(data), last]() mutable {
      self->enqueue(std::move(data));
      if (last) self->close_after_writes_ = true;
    });
    return true;
  }
  bool gone() const { return gone_.load(); }

 private:
  const https_server_config& config() const { return server_->config(); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void read_header(std::uint64_t timeout_ms) {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(config().header_bytes_max));
    // Beast checks a Content-Length against the limit while it reads the header;
    // the limit depends on the header, so it is checked once the header is in.
    // (Not boost::none: Boost 1.74 compares a length with an empty optional as larger.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    lowest().expires_after(milliseconds(timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](const error_code& error, std::size_t) {
      self->on_header(error);
    });
  }

  void on_header(const error_code& error) {
    if (error) return refuse_or_close(error);
    auto limit = server_->body_limit(parser_->get().base());
    if (auto length = parser_->content_length(); length && *length > limit) {
      return refuse_or_close(http::error::body_limit);
    }
    parser_->body_limit(limit);
    if (parser_->is_done()) return dispatch();
    lowest().expires_after(milliseconds(config().body_timeout_ms));
    auto read_body = [self = shared_from_this()] {
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](const error_code& error, std::size_t) {
                         if (error) return self->refuse_or_close(error);
                         self->dispatch();
                       });
    };
    auto expect = parser_->get()[http::field::expect];
    if (!beast::iequals(expect, "100-continue")) return read_body();
    auto continue_text = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
    asio::async_write(stream_, asio::buffer(*continue_text),
                      [self = shared_from_this(), continue_text, read_body](const error_code& error, std::size_t) {
                        if (error) return self->close();
                        read_body();
                      });
  }

  // A parse error gets its status and the connection closes; a timeout or a client
  // that went closes quietly.
  void refuse_or_close(const error_code& error) {
    if (error == beast::error::timeout || error == http::error::end_of_stream || error == asio::error::eof ||
        error == ssl::error::stream_truncated || error == asio::error::connection_reset ||
        error == asio::error::operation_aborted) {
      return close();
    }
    auto [code, words] = parse_refusal(error);
    if (config().log) config().log->warn("gateway: {} from {}: {}", code, address_, words);
    ++serial_;
    auto response = std::make_shared<web_response>(web_error(code, words));
    response->keep_alive(false);
    write_response(response, false);
  }

  void dispatch();

  void send(std::uint64_t serial, const std::shared_ptr<web_response>& response) {
    if (serial != serial_ || streaming_ || writing_response_) return;
    handler_timer_.cancel();
    bool keep = response->keep_alive() && request_keep_alive_;
    response->keep_alive(keep);
    write_response(response, keep);
  }

  void write_response(const std::shared_ptr<web_response>& response, bool keep) {
    writing_response_ = true;
    response->prepare_payload();
    lowest().expires_after(milliseconds(config().body_timeout_ms));
    http::async_write(stream_, *response, [self = shared_from_this(), response, keep](const error_code& error, std::size_t) {
      self->writing_response_ = false;
      if (error || !keep) return self->close();
      self->read_header(self->config().idle_timeout_ms);
    });
  }

  void enqueue(std::string data) {
    outbox_.push_back(std::move(data));
    if (!writing_stream_) write_next();
  }

  void write_next() {
    if (outbox_.empty()) {
      writing_stream_ = false;
      if (close_after_writes_) close();
      return;
    }
    writing_stream_ = true;
    auto data = std::make_shared<std::string>(std::move(outbox_.front()));
    outbox_.pop_front();
    lowest().expires_after(milliseconds(config().body_timeout_ms));
    asio::async_write(stream_, asio::buffer(*data), [self = shared_from_this(), data](const error_code& error, std::size_t) {
      if (data->size() <= self->queued_bytes_.load()) self->queued_bytes_.fetch_sub(data->size());
      if (error) return self->close();
      self->write_next();
    });
  }

  // While a stream runs nothing more is read but a close by the client.
  void watch_for_close() {
    stream_.async_read_some(asio::buffer(probe_), [self = shared_from_this()](const error_code& error, std::size_t) {
      if (error) return self->close();
      self->watch_for_close();  // bytes after a stream's request are ignored
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    gone_.store(true);
    handler_timer_.cancel();
    lowest().expires_after(milliseconds(shutdown_timeout_ms));
    stream_.async_shutdown([self = shared_from_this()](const error_code&) {
      error_code ignored;
      self->lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      self->lowest().close();
    });
  }

  std::shared_ptr<impl> server_;
  std::shared_ptr<ssl::context> context_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  std::string address_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  asio::steady_timer handler_timer_;
  std::uint64_t serial_ = 0;  // of the request being answered
  bool request_keep_alive_ = true;
  bool writing_response_ = false;
  bool streaming_ = false;
  bool writing_stream_ = false;
  bool close_after_writes_ = false;
  bool closed_ = false;
  std::atomic<bool> gone_{false};
  std::atomic<std::size_t> queued_bytes_{0};
  std::deque<std::string> outbox_;
  std::array<char, 256> probe_{};

  friend class exchange;
};

class https_server::impl::exchange : public web_exchange {
 public:
  exchange(std::weak_ptr<connection> owner, std::uint64_t serial, web_request request, std::string address)
      : owner_(std::move(owner)), serial_(serial), request_(std::move(request)), address_(std::move(address)) {}

  const web_request& request() const override { return request_; }
  const std::string& client_address() const override { return address_; }

  void reply(web_response response) override {
    if (answered_.exchange(true)) return;
    if (auto owner = owner_.lock()) owner->answer(serial_, std::make_shared<web_response>(std::move(response)));
  }
  void begin_stream(web_response head) override {
    if (answered_.exchange(true)) return;
    if (auto owner = owner_.lock()) owner->stream_head(serial_, stream_head_text(head));
  }
  bool write_chunk(std::string data) override {
    if (data.empty()) return !gone();
    auto owner = owner_.lock();
    if (!owner) return false;
    return owner->stream_chunk(fmt::format("{:x}\r\n{}\r\n", data.size(), data), false);
  }
  void end_stream() override {
    if (auto owner = owner_.lock()) owner->stream_chunk("0\r\n\r\n", true);
  }
  bool gone() const override {
    auto owner = owner_.lock();
    return !owner || owner->gone();
  }

 private:
  std::weak_ptr<connection> owner_;
  std::uint64_t serial_;
  web_request request_;
  std::string address_;
  std::atomic<bool> answered_{false};
};

void https_server::impl::connection::dispatch() {
  lowest().expires_never();
  ++serial_;
  auto request = parser_->release();
  request_keep_alive_ = request.keep_alive();
  auto ex = std::make_shared<exchange>(weak_from_this(), serial_, std::move(request), address_);
  handler_timer_.expires_after(milliseconds(config().handler_timeout_ms));
  handler_timer_.async_wait([self = shared_from_this(), serial = serial_](const error_code& error) {
    if (error || serial != self->serial_ || self->streaming_ || self->writing_response_) return;
    if (self->config().log) self->config().log->warn("gateway: no answer within {} ms for {}", self->config().handler_timeout_ms, self->address_);
    auto response = std::make_shared<web_response>(web_error(504, "the gateway got no answer in time; retry"));
    response->keep_alive(false);
    self->write_response(response, false);
  });
  server_->handler()(ex);
}

void https_server::impl::accept() {
  acceptor_.async_accept([self = shared_from_this()](const error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;
    if (!error) {
      error_code ignored;
      auto address = self->client_of(socket.remote_endpoint(ignored));
      // Answers go out in several writes (header, body, TLS records): without this,
      // Nagle's algorithm and the client's delayed ACK hold each answer ~40 ms.
      socket.set_option(tcp::no_delay(true), ignored);
      auto context = self->context();
      if (context && self->admit(address)) {
        std::make_shared<connection>(self, std::move(socket), std::move(context), address)->start();
      }
    }
    self->accept();
  });
}

void https_server::impl::accept_plain() {
  plain_acceptor_.async_accept([self = shared_from_this()](const error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;
    if (!error && self->connections_.load() < self->config_.connections_max) {
      self->redirect(std::make_shared<beast::tcp_stream>(std::move(socket)));
    }
    self->accept_plain();
  });
}

// The plain port answers every request with a redirect to the same place over HTTPS.
void https_server::impl::redirect(std::shared_ptr<beast::tcp_stream> stream) {
  auto parser = std::make_shared<http::request_parser<http::empty_body>>();
  parser->header_limit(plain_header_bytes_max);
  auto buffer = std::make_shared<beast::flat_buffer>();
  stream->expires_after(milliseconds(plain_timeout_ms));
  http::async_read_header(*stream, *buffer, *parser, [self = shared_from_this(), stream, parser, buffer](
                                                          const error_code& error, std::size_t) {
    if (error) return stream->close();
    const auto& request = parser->get();
    std::string host(request[http::field::host]);
    if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) {
      host.resize(colon);
    }
    bool plain_name = !host.empty() && host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == std::string::npos;
    std::string target(request.target());
    if (target.empty() || target[0] != '/') target = "/";
    auto response = std::make_shared<web_response>();
    if (!self->context()) {
      *response = web_error(503, "this gateway has no certificate yet: the owner runs bucky zone tls issue");
    } else if (!plain_name) {
      *response = web_error(400, "no Host header with a name to redirect to");
    } else {
      *response = make_web_response(308, "text/plain", "use https\n");
      auto port = self->https_port_ == 443 ? std::string() : fmt::format(":{}", self->https_port_);
      response->set(http::field::location, fmt::format("https://{}{}{}", host, port, target));
    }
    response->keep_alive(false);
    response->prepare_payload();
    http::async_write(*stream, *response, [stream, response](const error_code&, std::size_t) {
      error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->close();
    });
  });
}

https_server::https_server(https_server_config config, web_body_limit body_limit, web_handler handler)
    : impl_(std::make_shared<impl>(std::move(config), std::move(body_limit), std::move(handler))) {}

void https_server::name_relayed(const std::string& local_end, std::string client) {
  impl_->name_relayed(local_end, std::move(client));
}

void https_server::forget_relayed(const std::string& local_end) { impl_->forget_relayed(local_end); }

https_server::~https_server() { stop(); }

status https_server::set_certificate(const std::string& chain_pem, const std::string& key_pem) {
  return impl_->set_certificate(chain_pem, key_pem);
}

bool https_server::has_certificate() const { return impl_->context() != nullptr; }

result<https_ports> https_server::start() { return impl_->start(); }

void https_server::stop() { impl_->stop(); }

std::size_t https_server::connections() const { return impl_->connections(); }

boost::asio::io_context& https_server::io() { return impl_->io(); }

}  // namespace bucky::net
