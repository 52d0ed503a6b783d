#include "net/tcp_listen.hpp"

#include <fmt/format.h>

namespace bucky::net {

result<std::uint16_t> listen_tcp(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host,
                                 std::uint16_t port, std::string_view what) {
  namespace asio = boost::asio;
  boost::system::error_code error;
  auto address = asio::ip::make_address(host, error);
  if (error) return status(status_code::invalid_argument, fmt::format("{}: '{}' is not an IP address", what, host));
  asio::ip::tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return status(status_code::io_error, fmt::format("{}: cannot listen on {}:{}: {}", what, host, port, error.message()));
  }
  auto local = acceptor.local_endpoint(error);
  if (error) return status(status_code::io_error, fmt::format("{}: listening on {}:{}: {}", what, host, port, error.message()));
  return local.port();
}

}  // namespace bucky::net
