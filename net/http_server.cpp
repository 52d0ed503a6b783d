#include "net/http_server.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <thread>
#include <utility>

#include <boost/asio.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "messages/common/check.hpp"
#include "net/steady_clock.hpp"
#include "net/tcp_listen.hpp"

namespace bucky::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

const char* http_reason(int code) {
  switch (code) {
    case 100: return "Continue";
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

// A whole error response after which the server closes the connection.
std::string refusal(int code, int grpc_code, const std::string& why) {
  auto body = error_json(grpc_code, why);
  return head(code, fmt::format("Connection: close\r\nContent-Length: {}\r\n", body.size())) + body;
}

}  // namespace

class http_server::impl : public std::enable_shared_from_this<http_server::impl> {
 public:
  impl(http_server_config config, http_handler handler) : config_(std::move(config)), handler_(std::move(handler)) {
    BUCKY_CHECK(config_.connections_max > 0 && config_.connections_per_address_max > 0);
  }

  class session;

  result<std::uint16_t> start();
  void stop();
  std::size_t connections();

  void accept();
  void admit(tcp::socket socket);
  bool evict_one(const std::string& newcomer);
  void forget(const session& gone);
  void log_info(const std::string& line) {
    if (config_.log) config_.log->info("{}", line);
  }

  http_server_config config_;
  http_handler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  asio::steady_timer accept_retry_{io_};
  static constexpr std::uint64_t accept_retry_ms = 100;
  std::thread thread_;
  // Touched on the I/O thread only.
  std::map<std::uint64_t, std::shared_ptr<session>> sessions_;
  std::map<std::string, std::size_t> per_address_;
  std::uint64_t next_session_id_ = 1;
  std::atomic<bool> stopped_{false};
};

// One connection. The socket is read all the time: bytes go to the request reader,
// and end of stream closes the connection at once, even while a request or stream
// is outstanding (its exchange then reports gone()). Writes are queued and sent one
// at a time. One deadline at a time: the header, the body, or the idle wait.
class http_server::impl::session : public std::enable_shared_from_this<session> {
 public:
  session(std::shared_ptr<impl> server, tcp::socket socket, std::uint64_t id, std::string address, std::string peer)
      : server_(std::move(server)),
        socket_(std::move(socket)),
        deadline_(server_->io_),
        reader_({server_->config_.header_bytes_max, server_->config_.body_bytes_max}),
        id_(id),
        address_(std::move(address)),
        peer_(std::move(peer)),
        quiet_since_ms_(steady_ms()) {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);  // answers go out whole, at once
    read_buffer_.resize(server_->config_.read_chunk_bytes);
  }

  std::uint64_t id() const { return id_; }
  const std::string& address() const { return address_; }
  const std::string& peer() const { return peer_; }
  bool gone() const { return gone_; }
  std::size_t queued_bytes() const { return queued_bytes_; }
  // I/O thread only: for the choice of whom to evict.
  bool busy() const { return dispatched_ || closed_; }
  bool idle() const { return reader_.current_phase() == http_request_reader::phase::idle; }
  std::uint64_t quiet_since_ms() const { return quiet_since_ms_; }

  void start() {
    registered_ = true;
    arm(deadline::header);  // the first header is due header_timeout_ms after opening
    pump();
  }

  // From any thread: queued on the I/O thread. then_next: the response is complete.
  void send(std::string bytes, bool then_next, bool then_close) {
    if (server_->stopped_) return;  // answers after stop() go nowhere
    asio::post(server_->io_, [self = shared_from_this(), bytes = std::move(bytes), then_next, then_close]() mutable {
      self->queue(std::move(bytes), then_next, then_close);
    });
  }

  // Answers with an error and closes; what the client sends after is discarded.
  void refuse(int code, int grpc_code, const std::string& why) {
    refusing_ = true;
    queue(refusal(code, grpc_code, why), false, true);
    if (registered_ && !pumping_) pump();
  }

  void close(const std::string& why) {
    if (closed_) return;
    closed_ = gone_ = true;
    if (server_->config_.log) server_->config_.log->debug("HTTP API: {} closed: {}", peer_, why);
    deadline_.cancel();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    server_->forget(*this);
  }

 private:
  class exchange;
  enum class deadline : std::uint8_t { none, header, body, idle, linger };

  void pump() {
    pumping_ = true;
    socket_.async_read_some(asio::buffer(read_buffer_), [self = shared_from_this()](boost::system::error_code error,
                                                                                     std::size_t n) {
      if (self->closed_) return;
      if (error) {
        if (error != asio::error::eof) return self->close("read failed: " + error.message());
        return self->close(self->lingering_ ? "answered, then closed" : "the client closed the connection");
      }
      self->on_bytes(std::string_view(self->read_buffer_.data(), n));
      if (!self->closed_) self->pump();
    });
  }

  void on_bytes(std::string_view bytes) {
    if (refusing_) return;
    quiet_since_ms_ = steady_ms();
    reader_.append(bytes);
    if (!dispatched_) return read_requests();
    // Pipelined bytes wait for the answer in progress; a client does not need more.
    if (reader_.buffered_bytes() > server_->config_.header_bytes_max) {
      close(fmt::format("sent over {} bytes while its request was in progress", server_->config_.header_bytes_max));
    }
  }

  void read_requests() {
    switch (reader_.parse()) {
      case http_request_reader::outcome::need_more: return follow_phase();
      case http_request_reader::outcome::continue_wanted:
        queue("HTTP/1.1 100 Continue\r\n\r\n", false, false);
        return read_requests();
      case http_request_reader::outcome::rejected: {
        const auto& why = reader_.rejection();
        if (server_->config_.log) {
          server_->config_.log->info("HTTP API: refused a request from {}: {} ({})", peer_, why.message,
                                    why.http_status);
        }
        return refuse(why.http_status, why.grpc_code, why.message);
      }
      case http_request_reader::outcome::request_ready: break;
    }
    auto request = reader_.take_request();
    request.peer = peer_;
    dispatched_ = true;
    arm(deadline::none);  // the answer may take a while (a long-poll watch)
    dispatch(std::move(request));
  }

  void dispatch(http_request request);

  // The deadline follows the request being read: header, then body.
  void follow_phase() {
    switch (reader_.current_phase()) {
      case http_request_reader::phase::idle: return;  // the header or idle deadline stands
      case http_request_reader::phase::header:
        if (armed_ != deadline::header) arm(deadline::header);
        return;
      case http_request_reader::phase::body:
        if (armed_ != deadline::body) arm(deadline::body);
        return;
    }
  }

  void arm(deadline kind) {
    armed_ = kind;
    ++deadline_generation_;
    if (kind == deadline::none) {
      deadline_.cancel();
      return;
    }
    const auto& config = server_->config_;
    auto ms = kind == deadline::header ? config.header_timeout_ms
              : kind == deadline::body ? config.body_timeout_ms
              : kind == deadline::idle ? config.idle_timeout_ms
                                       : config.close_linger_ms;
    deadline_.expires_after(std::chrono::milliseconds(ms));
    deadline_.async_wait([self = shared_from_this(), generation = deadline_generation_, kind,
                          ms](boost::system::error_code error) {
      if (error || self->closed_ || generation != self->deadline_generation_) return;
      const char* what = kind == deadline::header ? "no complete request header"
                         : kind == deadline::body ? "no complete request body"
                         : kind == deadline::idle ? "no request"
                                                  : "the client did not close after the answer";
      self->close(fmt::format("{} within {} ms", what, ms));
    });
  }

  void queue(std::string bytes, bool then_next, bool then_close) {
    if (gone_) return;
    queued_bytes_ += bytes.size();
    pending_.push_back({std::move(bytes), then_next, then_close});
    if (pending_.size() == 1) write_next();
  }

  void write_next() {
    auto& next = pending_.front();
    asio::async_write(socket_, asio::buffer(next.bytes), [self = shared_from_this()](boost::system::error_code error,
                                                                                      std::size_t) {
      auto done = std::move(self->pending_.front());
      self->pending_.pop_front();
      self->queued_bytes_ -= done.bytes.size();
      if (self->closed_) return;
      if (error) return self->close("write failed: " + error.message());
      if (done.then_close) return self->linger();
      if (done.then_next) self->next_request();
      if (!self->pending_.empty()) self->write_next();
    });
  }

  // The last answer is out: end our direction, and close once the client has read
  // it and closed (or close_linger_ms later). Closing at once with unread bytes from
  // the client would reset the connection, and the client could lose the answer.
  void linger() {
    // Refused at admission: not worth an fd for longer.
    if (!registered_) return close("refused at admission");
    lingering_ = refusing_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    arm(deadline::linger);
  }

  // The answer is out: wait idle for the next request, or read one already here.
  void next_request() {
    dispatched_ = false;
    quiet_since_ms_ = steady_ms();
    arm(deadline::idle);
    read_requests();
  }

  struct write_item {
    std::string bytes;
    bool then_next = false;
    bool then_close = false;
  };

  // Shared: a session (held by an exchange) may outlive the http_server; its socket
  // and timer need the io_context until then.
  std::shared_ptr<impl> server_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  http_request_reader reader_;
  std::vector<char> read_buffer_;
  std::uint64_t id_;
  std::string address_;
  std::string peer_;
  std::deque<write_item> pending_;
  std::atomic<std::size_t> queued_bytes_{0};
  std::atomic<bool> gone_{false};
  bool closed_ = false;
  bool refusing_ = false;   // an error answer is going out: the client's bytes are dropped
  bool lingering_ = false;  // everything is answered: waiting for the client to close
  bool pumping_ = false;
  bool registered_ = false;  // admitted: counted in the server's connections
  bool dispatched_ = false;  // a request is with the handler; its answer is not all written
  deadline armed_ = deadline::none;
  std::uint64_t deadline_generation_ = 0;
  std::uint64_t quiet_since_ms_ = 0;
};

class http_server::impl::session::exchange : public http_exchange {
 public:
  exchange(std::shared_ptr<session> owner, http_request request) : owner_(std::move(owner)), request_(std::move(request)) {}

  const http_request& request() const override { return request_; }

  void reply(int code, std::string body) override {
    if (answered_.exchange(true)) return;
    bool keep = request_.keep_alive;
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
    if (owner_->queued_bytes() > owner_->server_->config_.stream_queue_bytes_max) return false;
    body += "\n";
    owner_->send(fmt::format("{:x}\r\n", body.size()) + body + "\r\n", false, false);
    return true;
  }

  void end_stream() override {
    if (!streaming_ || ended_.exchange(true)) return;
    owner_->send("0\r\n\r\n", request_.keep_alive, !request_.keep_alive);
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
  server_->handler_(std::make_shared<exchange>(shared_from_this(), std::move(request)));
}

result<std::uint16_t> http_server::impl::start() {
  auto port = listen_tcp(acceptor_, config_.host, config_.port, "HTTP");
  if (!port) return port;
  accept();
  thread_ = std::thread([this] { io_.run(); });
  return port;
}

void http_server::impl::stop() {
  if (!thread_.joinable()) return;
  stopped_ = true;
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
    auto open = sessions_;
    for (auto& [id, s] : open) s->close("the server is stopping");
    io_.stop();
  });
  thread_.join();
  // Runs what was posted before stopped_ (answers to closed sessions: dropped), so no
  // queued handler keeps a session, and through it this impl, alive.
  io_.restart();
  io_.run();
}

std::size_t http_server::impl::connections() {
  if (!thread_.joinable()) return sessions_.size();
  auto answer = std::make_shared<std::promise<std::size_t>>();
  auto future = answer->get_future();
  asio::post(io_, [this, answer] { answer->set_value(sessions_.size()); });
  return future.get();
}

void http_server::impl::accept() {
  acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;
    if (!error) return admit(std::move(socket)), accept();
    // Out of file descriptors (or the like): retrying at once would spin.
    log_info(fmt::format("HTTP API: accept failed: {}; retrying in {} ms", error.message(), accept_retry_ms));
    accept_retry_.expires_after(std::chrono::milliseconds(accept_retry_ms));
    accept_retry_.async_wait([this](boost::system::error_code wait_error) {
      if (!wait_error) accept();
    });
  });
}

// Admission: the per-address budget first (one client cannot take every slot), then
// the global one, where the longest-idle connection gives way to the newcomer.
void http_server::impl::admit(tcp::socket socket) {
  boost::system::error_code error;
  auto remote = socket.remote_endpoint(error);
  if (error) return;  // already reset by the client: nothing to answer
  auto address = remote.address().to_string();
  auto peer = fmt::format("{}:{}", address, remote.port());
  auto s = std::make_shared<session>(shared_from_this(), std::move(socket), next_session_id_++, address, peer);
  bool capped = !(config_.loopback_exempt_from_address_max && remote.address().is_loopback());
  if (capped && per_address_[address] >= config_.connections_per_address_max) {
    auto why = fmt::format("more than {} connections from {}", config_.connections_per_address_max, address);
    log_info(fmt::format("HTTP API: refused {}: {}", peer, why));
    return s->refuse(429, 8, why);
  }
  if (sessions_.size() >= config_.connections_max && !evict_one(peer)) {
    auto why = fmt::format("more than {} connections, each with a request in progress", config_.connections_max);
    log_info(fmt::format("HTTP API: refused {}: {}", peer, why));
    return s->refuse(503, 14, why);
  }
  ++per_address_[address];
  sessions_[s->id()] = s;
  s->start();
}

// Closes the connection without a request in progress that has been quiet longest,
// preferring those between requests to those still sending one.
bool http_server::impl::evict_one(const std::string& newcomer) {
  std::shared_ptr<session> victim;
  for (auto& [id, s] : sessions_) {
    if (s->busy()) continue;
    if (!victim || std::pair(!s->idle(), s->quiet_since_ms()) < std::pair(!victim->idle(), victim->quiet_since_ms())) {
      victim = s;
    }
  }
  if (!victim) return false;
  auto why = fmt::format("closed as the longest idle of {} connections (connections_max) to admit {}",
                         sessions_.size(), newcomer);
  log_info(fmt::format("HTTP API: {} {}", victim->peer(), why));
  victim->close(why);
  return true;
}

void http_server::impl::forget(const session& gone) {
  if (sessions_.erase(gone.id()) == 0) return;
  auto count = per_address_.find(gone.address());
  BUCKY_CHECK(count != per_address_.end() && count->second > 0);
  if (--count->second == 0) per_address_.erase(count);
}

http_server::http_server(http_server_config config, http_handler handler)
    : impl_(std::make_shared<impl>(std::move(config), std::move(handler))) {}
http_server::~http_server() { stop(); }
result<std::uint16_t> http_server::start() { return impl_->start(); }
void http_server::stop() { impl_->stop(); }
std::size_t http_server::connections() { return impl_->connections(); }

}  // namespace bucky::net
