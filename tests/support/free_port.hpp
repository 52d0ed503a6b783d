// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close).
// Good enough on loopback for tests that must know ports before they start.
#pragma once

#include <utility>

#include <cstdint>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace bucky::testing {

inline std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace bucky::testing
