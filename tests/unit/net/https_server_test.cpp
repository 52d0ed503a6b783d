// The gateway's HTTPS server against what strangers and slow clients do: malformed
// and oversized requests, smuggling, handlers that hang, sockets held open, too
// many connections; and the plain port that only redirects.
#define BOOST_TEST_MODULE unit_net_https_server
#include <boost/test/unit_test.hpp>

#include <utility>

#include <chrono>
#include <thread>

#include <boost/asio.hpp>

#include "net/https_server.hpp"
#include "net/tls_certs.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/tls_client.hpp"

using namespace bucky;
using namespace std::chrono_literals;
namespace http = boost::beast::http;
namespace asio = boost::asio;

namespace {

std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

struct certificates {
  net::pem_pair ca;
  net::pem_pair server;
  certificates() {
    ca = net::make_zone_ca("gw.test", unix_now()).value();
    server = net::issue_server_cert(ca, {"gw.test", "*.gw.test"}, unix_now()).value();
  }
};

const certificates& certs() {
  static certificates made;
  return made;
}

// A server whose handler answers with what it got, hangs on /hang, streams on /stream.
struct echo_server {
  net::https_server server;
  net::https_ports ports;
  std::vector<std::shared_ptr<net::web_exchange>> held;
  std::mutex mutex;

  explicit echo_server(net::https_server_config config, bool with_certificate = true)
      : server(std::move(config),
               [](const net::web_request_header& header) -> std::uint64_t {
                 return net::text_of(header.target()) == "/small" ? 16 : 1024 * 1024;
               },
               [this](std::shared_ptr<net::web_exchange> exchange) { handle(std::move(exchange)); }) {
    if (with_certificate) BOOST_REQUIRE(server.set_certificate(certs().server.cert_pem, certs().server.key_pem).is_ok());
    ports = server.start().value();
  }

  void handle(std::shared_ptr<net::web_exchange> exchange) {
    auto target = std::string(net::text_of(exchange->request().target()));
    if (target == "/hang") {
      std::lock_guard lock(mutex);
      held.push_back(std::move(exchange));
      return;
    }
    if (target == "/stream") {
      exchange->begin_stream(net::make_web_response(200, "text/event-stream", ""));
      exchange->write_chunk("data: one\n\n");
      exchange->write_chunk("data: two\n\n");
      exchange->end_stream();
      return;
    }
    exchange->reply(net::make_web_response(200, "text/plain",
                                           std::string(exchange->request().method_string()) + " " + target + " " +
                                               exchange->request().body()));
  }

  testing::tls_client client(const std::string& host = "gw.test") { return {ports.https, host, certs().ca.cert_pem}; }
};

net::https_server_config quick_config() {
  net::https_server_config config;
  config.plain_port = 0;
  config.handshake_timeout_ms = 500;
  config.idle_timeout_ms = 500;
  config.body_timeout_ms = 1'000;
  config.handler_timeout_ms = 400;
  config.connections_per_address_max = 4;
  return config;
}

// Bytes over plain TCP, and what comes back until the server closes (bounded).
std::string plain_exchange(std::uint16_t port, const std::string& bytes) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(bytes));
  std::string out;
  boost::system::error_code error;
  char buffer[4096];
  while (out.size() < 65'536) {
    auto got = socket.read_some(asio::buffer(buffer), error);
    if (error) break;
    out.append(buffer, got);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_request_gets_its_answer_with_the_security_headers) {
  echo_server echo(quick_config());
  auto reply = echo.client().request("POST", "/x?y=1", {{"Content-Type", "text/plain"}}, "hello");
  BOOST_TEST(reply.status == 200, reply.error);
  BOOST_TEST(reply.body == "POST /x?y=1 hello");
  BOOST_TEST(reply.header("x-content-type-options") == "nosniff");
  BOOST_TEST(reply.header("cache-control") == "no-store");
  // A client that checks the name: another name is refused by the client.
  BOOST_TEST(echo.client("other.test").request("GET", "/").status == 0);
}

BOOST_AUTO_TEST_CASE(the_plain_port_only_redirects_and_says_when_there_is_no_certificate) {
  echo_server echo(quick_config());
  auto answer = plain_exchange(echo.ports.plain, "GET /files?p=1 HTTP/1.1\r\nHost: gw.test:80\r\n\r\n");
  BOOST_TEST(answer.find("HTTP/1.1 308") == 0u, answer);
  BOOST_TEST(answer.find("Location: https://gw.test:" + std::to_string(echo.ports.https) + "/files?p=1") !=
             std::string::npos);
  auto hostless = plain_exchange(echo.ports.plain, "GET / HTTP/1.1\r\nHost: a\"b\r\n\r\n");
  BOOST_TEST(hostless.find("HTTP/1.1 400") == 0u, hostless);
  echo_server bare(quick_config(), false);
  BOOST_TEST(!bare.server.has_certificate());
  BOOST_TEST(bare.client().request("GET", "/").status == 0);  // no handshake without a certificate
  auto told = plain_exchange(bare.ports.plain, "GET / HTTP/1.1\r\nHost: gw.test\r\n\r\n");
  BOOST_TEST(told.find("HTTP/1.1 503") == 0u);
  BOOST_TEST(told.find("bucky zone tls issue") != std::string::npos);
  BOOST_TEST(!bare.server.set_certificate(certs().server.cert_pem, certs().ca.key_pem).is_ok());  // wrong key
  BOOST_TEST(!bare.server.set_certificate("junk", "junk").is_ok());
}

BOOST_AUTO_TEST_CASE(oversized_smuggled_and_malformed_requests_are_refused_with_their_status) {
  echo_server echo(quick_config());
  auto client = echo.client();
  auto big = client.request("GET", "/", {{"X-Filler", std::string(20 * 1024, 'a')}});
  BOOST_TEST(big.status == 431, big.error);
  auto too_long = client.request("POST", "/small", {}, std::string(17, 'b'));
  BOOST_TEST(too_long.status == 413);
  auto smuggled = client.raw("POST / HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: gw.test\r\n\r\n");
  BOOST_TEST(smuggled.status == 400, smuggled.body);
  auto doubled = client.raw("POST / HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
  BOOST_TEST(doubled.status == 400);
  auto garbage = client.raw("HELLO\r\n\r\n");
  BOOST_TEST(garbage.status == 400);
}

BOOST_AUTO_TEST_CASE(a_handler_that_hangs_gets_504_sent_for_it_and_streams_arrive_in_chunks) {
  echo_server echo(quick_config());
  auto hung = echo.client().request("GET", "/hang");
  BOOST_TEST(hung.status == 504, hung.error);
  {
    std::lock_guard lock(echo.mutex);
    BOOST_REQUIRE(!echo.held.empty());
    echo.held.front()->reply(net::make_web_response(200, "text/plain", "late"));  // too late: ignored
  }
  auto stream = echo.client().request("GET", "/stream");
  BOOST_TEST(stream.status == 200);
  BOOST_TEST(stream.body == "data: one\n\ndata: two\n\n");
}

BOOST_AUTO_TEST_CASE(silent_sockets_are_closed_and_one_address_gets_a_bounded_number) {
  echo_server echo(quick_config());
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> silent;
  for (int i = 0; i < 8; ++i) {
    silent.emplace_back(io);
    silent.back().connect({asio::ip::make_address("127.0.0.1"), echo.ports.https});
  }
  BOOST_TEST(testing::eventually([&] { return echo.server.connections() == 4u; }, 2s));
  // Past the handshake timeout the server has let go of every one.
  BOOST_TEST(testing::eventually([&] { return echo.server.connections() == 0u; }, 3s));
  BOOST_TEST(echo.client().request("GET", "/after").status == 200);
}
