// A TCP port on 127.0.0.1 that was free a moment ago, for tests that must know
// ports before they start. Chosen below the kernel's ephemeral range (32768-60999 by
// default), where the local ports of outgoing connections come from: tests running
// in parallel make thousands of connections, and one of them could take a port that
// bind-to-0 had just handed out. Each process starts at its own place in
// 20000-31999 and moves on; a port is handed out only after a bind to it worked.
#pragma once

#include <utility>

#include <unistd.h>

#include <atomic>
#include <cstdint>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace bucky::testing {

inline bool port_bindable(boost::asio::io_context& io, std::uint16_t port) {
  boost::asio::ip::tcp::acceptor acceptor(io);
  boost::system::error_code error;
  boost::asio::ip::tcp::endpoint at(boost::asio::ip::make_address("127.0.0.1"), port);
  acceptor.open(at.protocol(), error);
  if (!error) acceptor.bind(at, error);
  return !error;
}

inline std::uint16_t free_port() {
  constexpr std::uint32_t first = 20'000, count = 12'000;
  static std::atomic<std::uint32_t> next{static_cast<std::uint32_t>(::getpid()) * 7'919u};
  boost::asio::io_context io;
  for (int attempt = 0; attempt < 1'000; ++attempt) {
    auto port = static_cast<std::uint16_t>(first + next++ % count);
    if (port_bindable(io, port)) return port;
  }
  boost::asio::ip::tcp::acceptor any(io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return any.local_endpoint().port();
}

}  // namespace bucky::testing
