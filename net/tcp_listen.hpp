// Opening a TCP listener, the same way for every server of the node (transport,
// HTTP, HTTPS, the relay): the address parsed, SO_REUSEADDR, the system's backlog.
#pragma once

#include <utility>

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include "messages/common/status.hpp"

namespace bucky::net {

// Makes `acceptor` listen on host:port (port 0: any free one) and returns the port
// it got. Errors name `what` ("gateway", "relay"...), the address and the reason:
// invalid_argument for a host that is not an IP address, io_error for the rest.
result<std::uint16_t> listen_tcp(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host,
                                 std::uint16_t port, std::string_view what);

}  // namespace bucky::net
