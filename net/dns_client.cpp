// dns_exchange (declared in net/dns_server.hpp): bucky's own lookups, over UDP and,
// when the answer comes back truncated, over TCP.
#include <algorithm>
#include <array>
#include <functional>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "net/dns_server.hpp"
#include "net/dns_wire.hpp"

namespace bucky::net {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint8_t truncated_bit = 0x02;  // in the third header byte

result<std::vector<std::uint8_t>> exchange_udp(const udp::endpoint& server, std::span<const std::uint8_t> query,
                                               std::chrono::milliseconds timeout) {
  asio::io_context io;
  boost::system::error_code error;
  udp::socket socket(io, server.protocol());
  socket.send_to(asio::buffer(query.data(), query.size()), server, 0, error);
  if (error) return status(status_code::unavailable, "cannot send to the DNS server: " + error.message());
  std::vector<std::uint8_t> reply(dns_limits::udp_bytes_max + 512);
  udp::endpoint from;
  std::optional<std::size_t> got;
  asio::steady_timer timer(io, timeout);
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
  if (!got) return status(status_code::timeout, "no DNS answer over UDP");
  reply.resize(*got);
  return reply;
}

result<std::vector<std::uint8_t>> exchange_tcp(const tcp::endpoint& server, std::span<const std::uint8_t> query,
                                               std::chrono::milliseconds timeout) {
  asio::io_context io;
  tcp::socket socket(io);
  std::vector<std::uint8_t> framed = {static_cast<std::uint8_t>(query.size() >> 8),
                                      static_cast<std::uint8_t>(query.size() & 0xff)};
  framed.insert(framed.end(), query.begin(), query.end());
  std::array<std::uint8_t, 2> length{};
  std::vector<std::uint8_t> reply;
  std::optional<boost::system::error_code> outcome;
  auto finish = [&](boost::system::error_code e) { outcome = e; };
  socket.async_connect(server, [&](boost::system::error_code e) {
    if (e) return finish(e);
    asio::async_write(socket, asio::buffer(framed), [&](boost::system::error_code e2, std::size_t) {
      if (e2) return finish(e2);
      asio::async_read(socket, asio::buffer(length), [&](boost::system::error_code e3, std::size_t) {
        if (e3) return finish(e3);
        reply.resize(length[0] << 8 | length[1]);
        asio::async_read(socket, asio::buffer(reply), [&](boost::system::error_code e4, std::size_t) { finish(e4); });
      });
    });
  });
  io.run_for(timeout);
  if (!outcome) return status(status_code::timeout, "no DNS answer over TCP");
  if (*outcome) return status(status_code::unavailable, "DNS over TCP: " + outcome->message());
  return reply;
}

}  // namespace

result<std::vector<std::uint8_t>> dns_exchange(const std::string& server_host, std::uint16_t server_port,
                                               std::span<const std::uint8_t> query, std::uint64_t timeout_ms) {
  boost::system::error_code error;
  auto address = asio::ip::make_address(server_host, error);
  if (error) return status(status_code::invalid_argument, "DNS server '" + server_host + "' is not an IP address");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto left = [&] {
    return std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                      deadline - std::chrono::steady_clock::now()));
  };
  auto where = fmt::format("DNS {}:{}", server_host, server_port);
  auto reply = exchange_udp(udp::endpoint(address, server_port), query, left());
  if (!reply) return status(reply.error().code(), fmt::format("{}: {} within {} ms", where, reply.error().message(), timeout_ms));
  if (reply->size() < 3 || !((*reply)[2] & truncated_bit)) return reply;
  // Truncated: the answer is served whole over TCP (net/dns_server.hpp).
  auto whole = exchange_tcp(tcp::endpoint(address, server_port), query, left());
  if (!whole) return status(whole.error().code(), fmt::format("{}: {} within {} ms", where, whole.error().message(), timeout_ms));
  if (whole->size() < 2 || query.size() < 2 || (*whole)[0] != query[0] || (*whole)[1] != query[1]) {
    return status(status_code::invalid_argument, where + ": the TCP answer is for another query");
  }
  return whole;
}

}  // namespace bucky::net
