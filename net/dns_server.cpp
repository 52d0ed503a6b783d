#include <utility>

#include "net/dns_server.hpp"

#include <array>
#include <chrono>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "net/dns_wire.hpp"

namespace bucky::net {

namespace asio = boost::asio;
using udp = asio::ip::udp;

struct dns_server::engine {
  dns_server_config config;
  dns_answer_fn answer;
  asio::io_context io;
  udp::socket socket{io};
  std::thread thread;
  std::array<std::uint8_t, dns_limits::udp_bytes_max + 1> buffer{};
  udp::endpoint sender;
  std::chrono::steady_clock::time_point window_start = std::chrono::steady_clock::now();
  std::uint32_t answered_in_window = 0;

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
      if (!error && n <= dns_limits::udp_bytes_max && within_rate()) {
        if (auto reply = answer(std::span<const std::uint8_t>(buffer.data(), n))) {
          boost::system::error_code ignored;
          socket.send_to(asio::buffer(*reply), sender, 0, ignored);
        }
      }
      receive_next();
    });
  }
};

dns_server::dns_server(dns_server_config config, dns_answer_fn answer)
    : engine_(std::make_unique<engine>()) {
  engine_->config = std::move(config);
  engine_->answer = std::move(answer);
}

dns_server::~dns_server() { stop(); }

result<std::uint16_t> dns_server::start() {
  boost::system::error_code error;
  auto address = asio::ip::make_address(engine_->config.listen_host, error);
  if (error) {
    return status(status_code::invalid_argument,
                  fmt::format("DNS listen address '{}' is not an IP address", engine_->config.listen_host));
  }
  udp::endpoint endpoint(address, engine_->config.listen_port);
  engine_->socket.open(endpoint.protocol(), error);
  if (!error) engine_->socket.bind(endpoint, error);
  if (error) {
    return status(status_code::io_error, fmt::format("cannot listen for DNS on {}:{}: {}",
                                                     engine_->config.listen_host, engine_->config.listen_port,
                                                     error.message()));
  }
  auto port = engine_->socket.local_endpoint().port();
  engine_->receive_next();
  engine_->thread = std::thread([e = engine_.get()] { e->io.run(); });
  return port;
}

void dns_server::stop() {
  if (!engine_) return;
  engine_->io.stop();
  if (engine_->thread.joinable()) engine_->thread.join();
  boost::system::error_code ignored;
  engine_->socket.close(ignored);
}

result<std::vector<std::uint8_t>> dns_exchange(const std::string& server_host, std::uint16_t server_port,
                                               std::span<const std::uint8_t> query, std::uint64_t timeout_ms) {
  asio::io_context io;
  boost::system::error_code error;
  auto address = asio::ip::make_address(server_host, error);
  if (error) return status(status_code::invalid_argument, "DNS server '" + server_host + "' is not an IP address");
  udp::endpoint server(address, server_port);
  udp::socket socket(io, server.protocol());
  socket.send_to(asio::buffer(query.data(), query.size()), server, 0, error);
  if (error) return status(status_code::unavailable, "cannot send to the DNS server: " + error.message());
  std::vector<std::uint8_t> reply(dns_limits::udp_bytes_max + 512);
  udp::endpoint from;
  std::optional<std::size_t> got;
  asio::steady_timer timer(io, std::chrono::milliseconds(timeout_ms));
  std::function<void()> receive = [&] {
    socket.async_receive_from(asio::buffer(reply), from, [&](boost::system::error_code e, std::size_t n) {
      if (e) return;
      bool same_id = n >= 2 && query.size() >= 2 && reply[0] == query[0] && reply[1] == query[1];
      if (from == server && same_id) {
        got = n;
        timer.cancel();
        return;
      }
      receive();  // someone else's datagram: keep waiting
    });
  };
  receive();
  timer.async_wait([&](boost::system::error_code e) {
    if (!e) socket.cancel();
  });
  io.run();
  if (!got) {
    return status(status_code::timeout,
                  fmt::format("no DNS answer from {}:{} within {} ms", server_host, server_port, timeout_ms));
  }
  reply.resize(*got);
  return reply;
}

}  // namespace bucky::net
