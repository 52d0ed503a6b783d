#include <utility>

#include "net/dns_server.hpp"

#include <array>
#include <chrono>
#include <map>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "net/dns_rate_limiter.hpp"
#include "net/dns_wire.hpp"
#include "net/steady_clock.hpp"

namespace bucky::net {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;

namespace {

}  // namespace

// One TCP connection: queries and answers, each after a two-byte length.
struct dns_tcp_connection : std::enable_shared_from_this<dns_tcp_connection> {
  tcp::socket socket;
  asio::steady_timer idle;
  std::array<std::uint8_t, 2> length{};
  std::vector<std::uint8_t> message;
  std::vector<std::uint8_t> answer;
  std::uint64_t id = 0;
  bool closed = false;

  dns_tcp_connection(tcp::socket s, std::uint64_t i) : socket(std::move(s)), idle(socket.get_executor()), id(i) {}

  void close() {
    if (closed) return;
    closed = true;
    idle.cancel();
    boost::system::error_code ignored;
    socket.close(ignored);
  }
};

struct dns_server::engine {
  dns_server_config config;
  dns_answer_fn answer;
  asio::io_context io;
  udp::socket socket{io};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::array<std::uint8_t, dns_limits::udp_bytes_max + 1> buffer{};
  udp::endpoint sender;
  std::chrono::steady_clock::time_point window_start = std::chrono::steady_clock::now();
  std::uint32_t answered_in_window = 0;
  std::optional<dns_rate_limiter> per_source;
  std::map<std::uint64_t, std::shared_ptr<dns_tcp_connection>> connections;  // oldest first
  std::uint64_t next_connection_id = 1;

  bool within_rate() {
    auto now = std::chrono::steady_clock::now();
    if (now - window_start >= std::chrono::seconds(1)) {
      window_start = now;
      answered_in_window = 0;
    }
    return ++answered_in_window <= config.queries_per_second_max;
  }

  void receive_next() {
    socket.async_receive_from(asio::buffer(buffer), sender, [this](boost::system::error_code error, std::size_t n) {
      if (error == asio::error::operation_aborted) return;
      if (!error && n <= dns_limits::udp_bytes_max) answer_datagram(std::span<const std::uint8_t>(buffer.data(), n));
      receive_next();
    });
  }

  // Over UDP the source may be forged: rate per source, then overall, then size.
  void answer_datagram(std::span<const std::uint8_t> query) {
    if (!per_source->allow(sender.address().to_string(), steady_ms()) || !within_rate()) return;
    auto reply = answer(query);
    if (!reply) return;
    if (reply->size() > config.udp_amplification_max * query.size()) {
      reply = truncate_dns_answer(query, *reply);
      if (!reply || reply->size() > config.udp_amplification_max * query.size()) return;
    }
    boost::system::error_code ignored;
    socket.send_to(asio::buffer(*reply), sender, 0, ignored);
  }

  void accept_next() {
    acceptor.async_accept([this](boost::system::error_code error, tcp::socket peer) {
      if (error == asio::error::operation_aborted) return;
      if (!error) {
        if (connections.size() >= config.tcp_connections_max) {
          connections.begin()->second->close();  // the oldest gives way
          connections.erase(connections.begin());
        }
        auto connection = std::make_shared<dns_tcp_connection>(std::move(peer), next_connection_id++);
        connections[connection->id] = connection;
        read_query(connection);
      }
      accept_next();
    });
  }

  void end(const std::shared_ptr<dns_tcp_connection>& connection) {
    connection->close();
    connections.erase(connection->id);
  }

  void read_query(const std::shared_ptr<dns_tcp_connection>& c) {
    c->idle.expires_after(std::chrono::milliseconds(config.tcp_idle_timeout_ms));
    c->idle.async_wait([this, c](boost::system::error_code error) {
      if (!error) end(c);
    });
    asio::async_read(c->socket, asio::buffer(c->length), [this, c](boost::system::error_code error, std::size_t) {
      if (c->closed) return;
      std::size_t size = c->length[0] << 8 | c->length[1];
      if (error || size == 0 || size > dns_limits::udp_bytes_max) return end(c);
      c->message.resize(size);
      asio::async_read(c->socket, asio::buffer(c->message), [this, c](boost::system::error_code error2, std::size_t) {
        if (c->closed) return;
        if (error2) return end(c);
        answer_stream(c);
      });
    });
  }

  void answer_stream(const std::shared_ptr<dns_tcp_connection>& c) {
    auto reply = answer(c->message);
    if (!reply) return end(c);
    c->answer = {static_cast<std::uint8_t>(reply->size() >> 8), static_cast<std::uint8_t>(reply->size() & 0xff)};
    c->answer.insert(c->answer.end(), reply->begin(), reply->end());
    asio::async_write(c->socket, asio::buffer(c->answer), [this, c](boost::system::error_code error, std::size_t) {
      if (c->closed) return;
      if (error) return end(c);
      read_query(c);
    });
  }
};

dns_server::dns_server(dns_server_config config, dns_answer_fn answer)
    : engine_(std::make_unique<engine>()) {
  engine_->config = std::move(config);
  engine_->answer = std::move(answer);
  engine_->per_source.emplace(dns_rate_limits{engine_->config.source_answers_per_second,
                                              engine_->config.source_answers_burst_max, engine_->config.sources_max});
}

dns_server::~dns_server() { stop(); }

// Binds UDP, then TCP on the same port number. With port 0 (any), the number UDP
// got may be taken for TCP: then a few more tries.
result<std::uint16_t> dns_server::start() {
  auto& e = *engine_;
  boost::system::error_code error;
  auto address = asio::ip::make_address(e.config.listen_host, error);
  if (error) {
    return status(status_code::invalid_argument,
                  fmt::format("DNS listen address '{}' is not an IP address", e.config.listen_host));
  }
  constexpr int any_port_tries_max = 8;
  for (int attempt = 0; attempt < any_port_tries_max; ++attempt) {
    error.clear();
    boost::system::error_code ignored;
    e.socket.close(ignored);
    e.acceptor.close(ignored);
    udp::endpoint endpoint(address, e.config.listen_port);
    e.socket.open(endpoint.protocol(), error);
    if (!error) e.socket.bind(endpoint, error);
    if (error) break;  // UDP itself: no retry helps
    tcp::endpoint stream_endpoint(address, e.socket.local_endpoint().port());
    e.acceptor.open(stream_endpoint.protocol(), error);
    if (!error) e.acceptor.set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) e.acceptor.bind(stream_endpoint, error);
    if (!error) e.acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (!error || e.config.listen_port != 0) break;
  }
  if (error) {
    return status(status_code::io_error, fmt::format("cannot listen for DNS on {}:{} (UDP and TCP): {}",
                                                     e.config.listen_host, e.config.listen_port, error.message()));
  }
  auto port = e.socket.local_endpoint().port();
  e.receive_next();
  e.accept_next();
  e.thread = std::thread([&e] { e.io.run(); });
  return port;
}

void dns_server::stop() {
  if (!engine_) return;
  engine_->io.stop();
  if (engine_->thread.joinable()) engine_->thread.join();
  boost::system::error_code ignored;
  engine_->socket.close(ignored);
  engine_->acceptor.close(ignored);
  for (auto& [id, connection] : engine_->connections) connection->close();
  engine_->connections.clear();
}

}  // namespace bucky::net
