// The relay through a gateway node (issue 21) below its actors: the server name read
// from real and broken ClientHellos, the flow window, the choice of home node, and
// two relay_pipes ends carrying a TCP connection's bytes both ways on loopback, with
// a lost message, a closed socket and a stalled reader.
#define BOOST_TEST_MODULE relay
#include <boost/test/unit_test.hpp>

#include <utility>

#include <chrono>
#include <deque>
#include <thread>

#include <boost/asio.hpp>
#include <openssl/ssl.h>

#include "actors/relay/relay_flow.hpp"
#include "actors/relay/relay_homes.hpp"
#include "actors/relay/relay_pipes.hpp"
#include "net/client_hello.hpp"

using namespace bucky;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// The first bytes OpenSSL sends as a client asking for `server_name` ("" for none).
std::vector<std::uint8_t> openssl_client_hello(const std::string& server_name) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(context);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  if (!server_name.empty()) SSL_set_tlsext_host_name(ssl, server_name.c_str());
  SSL_set_connect_state(ssl);
  (void)SSL_do_handshake(ssl);  // wants to read the ServerHello
  char* data = nullptr;
  long size = BIO_get_mem_data(out, &data);
  std::vector<std::uint8_t> bytes(data, data + size);
  SSL_free(ssl);
  SSL_CTX_free(context);
  return bytes;
}

net::client_hello_read read(const std::vector<std::uint8_t>& bytes) { return net::read_client_hello(bytes); }

}  // namespace

BOOST_AUTO_TEST_SUITE(client_hello)

BOOST_AUTO_TEST_CASE(the_server_name_of_a_real_client_hello_only_once_the_record_is_whole) {
  auto hello = openssl_client_hello("Notes.Home.Test");
  BOOST_TEST_REQUIRE(hello.size() > 100u);
  auto found = read(hello);
  BOOST_TEST((found.what == net::client_hello_read::kind::found), found.reason);
  BOOST_TEST(found.server_name == "notes.home.test");  // lowercased
  for (std::size_t cut = 0; cut < hello.size(); ++cut) {
    auto part = read(std::vector<std::uint8_t>(hello.begin(), hello.begin() + cut));
    BOOST_TEST_REQUIRE((part.what == net::client_hello_read::kind::need_more), "cut at " << cut << ": " << part.reason);
  }
}

BOOST_AUTO_TEST_CASE(no_server_name_plain_http_and_broken_lengths_are_refused_with_a_reason) {
  auto none = read(openssl_client_hello(""));
  BOOST_TEST((none.what == net::client_hello_read::kind::refused));
  BOOST_TEST(none.reason.find("no server name") != std::string::npos, none.reason);

  std::string get = "GET / HTTP/1.1\r\n";
  auto http = read(std::vector<std::uint8_t>(get.begin(), get.end()));
  BOOST_TEST((http.what == net::client_hello_read::kind::refused));
  BOOST_TEST(http.reason.find("not TLS") != std::string::npos, http.reason);

  auto huge = std::vector<std::uint8_t>{0x16, 0x03, 0x01, 0x40, 0x01};  // 16385 bytes
  BOOST_TEST((read(huge).what == net::client_hello_read::kind::refused));

  // Every length of the real hello made one larger than what follows it: refused
  // or still waiting, never read past the end (ASan in the fuzz target checks that).
  auto hello = openssl_client_hello("home.test");
  for (std::size_t at = 5; at < hello.size(); ++at) {
    auto broken = hello;
    broken[at] = static_cast<std::uint8_t>(broken[at] + 1);
    auto outcome = read(broken);
    if (outcome.what == net::client_hello_read::kind::found) {
      BOOST_TEST(!outcome.server_name.empty());  // a byte of the name or of some other field
    }
  }
}

BOOST_AUTO_TEST_CASE(a_name_with_bytes_no_dns_name_has_is_refused) {
  auto hello = openssl_client_hello("home.test");
  auto at = std::search(hello.begin(), hello.end(), std::begin("home.test"), std::end("home.test") - 1);
  BOOST_TEST_REQUIRE((at != hello.end()));
  *at = '/';
  auto outcome = read(hello);
  BOOST_TEST((outcome.what == net::client_hello_read::kind::refused));
  BOOST_TEST(outcome.reason.find("server name") != std::string::npos, outcome.reason);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(flow)

BOOST_AUTO_TEST_CASE(a_sender_stops_at_the_window_and_goes_on_with_each_ack) {
  relay::relay_flow flow(100);
  BOOST_TEST(flow.send_budget() == 100u);
  flow.on_sent(60);
  flow.on_sent(40);
  BOOST_TEST(flow.send_budget() == 0u);
  BOOST_TEST(flow.on_ack(30).is_ok());
  BOOST_TEST(flow.send_budget() == 30u);
  BOOST_TEST(!flow.on_ack(20).is_ok());   // backwards
  BOOST_TEST(!flow.on_ack(101).is_ok());  // more than was sent
}

BOOST_AUTO_TEST_CASE(a_receiver_refuses_a_gap_and_bytes_past_the_window_and_acks_what_it_wrote) {
  relay::relay_flow flow(100);
  BOOST_TEST(flow.on_data(0, 70).is_ok());
  BOOST_TEST((flow.on_data(80, 10).code() == status_code::unavailable));  // 70..79 lost
  BOOST_TEST(!flow.on_data(70, 31).is_ok());                         // 101 unwritten
  BOOST_TEST(flow.ack_due() == 0u);
  flow.on_written(50);
  BOOST_TEST(flow.ack_due() == 50u);
  BOOST_TEST(flow.ack_due() == 0u);  // nothing new
  BOOST_TEST(flow.on_data(70, 80).is_ok());  // 100 unwritten: exactly the window
  BOOST_TEST(flow.unwritten() == 100u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(homes)

BOOST_AUTO_TEST_CASE(a_client_keeps_its_home_node_for_the_panel_and_its_apps_and_clients_spread) {
  relay::relay_homes homes("home.test", 7'000);
  BOOST_TEST(homes.heard("n1", {}, 1'000));
  BOOST_TEST(homes.heard("n2", {"notes"}, 1'000));
  BOOST_TEST(homes.heard("n3", {}, 1'000));
  BOOST_TEST(!homes.heard("n1", {}, 2'000));  // known already
  std::map<std::string, int> spread;
  for (int i = 0; i < 300; ++i) {
    const auto client = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250);
    auto panel = homes.choose("home.test", client, 2'000);
    BOOST_TEST_REQUIRE(panel.has_value());
    // Where its session lives, its apps go too (the tickets are that gateway's).
    BOOST_TEST(*homes.choose("notes.home.test", client, 2'000) == *panel);
    BOOST_TEST(*homes.choose("files.home.test", client, 2'000) == *panel);
    ++spread[*panel];
  }
  for (const auto* node : {"n1", "n2", "n3"}) BOOST_TEST(spread[node] > 50, node << ": " << spread[node]);
}

BOOST_AUTO_TEST_CASE(a_home_node_leaving_moves_only_its_own_clients) {
  relay::relay_homes all("home.test", 7'000), fewer("home.test", 7'000);
  for (const auto* node : {"n1", "n2", "n3"}) (void)all.heard(node, {}, 0);
  for (const auto* node : {"n1", "n3"}) (void)fewer.heard(node, {}, 0);
  for (int i = 0; i < 200; ++i) {
    const auto client = "192.168.1." + std::to_string(i);
    auto before = *all.choose("home.test", client, 0);
    auto after = *fewer.choose("home.test", client, 0);
    if (before != "n2") BOOST_TEST(after == before, client);
  }
}

BOOST_AUTO_TEST_CASE(other_names_are_refused_and_silent_homes_forgotten) {
  relay::relay_homes homes("home.test", 7'000);
  BOOST_TEST((homes.choose("home.test", "10.0.0.1", 0).error().code() == status_code::unavailable));
  (void)homes.heard("n1", {}, 1'000);
  for (const auto* name : {"evil.test", "xhome.test", "a.b.home.test", "home.test.evil", ".home.test"}) {
    BOOST_TEST((homes.choose(name, "10.0.0.1", 1'000).error().code() == status_code::not_found), name);
  }
  BOOST_TEST((homes.choose("home.test", "10.0.0.1", 9'000).error().code() == status_code::unavailable));  // stale
  BOOST_TEST(homes.expire(8'000).empty());
  BOOST_TEST((homes.expire(8'001) == std::vector<std::string>{"n1"}));
  BOOST_TEST(homes.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// Two relay ends on one I/O thread, their messages carried by a queue that a test
// may cut (a lost message), and a plain TCP server behind the "home" end.
struct two_ends {
  asio::io_context io;
  tcp::acceptor client_side{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  tcp::acceptor server_side{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::shared_ptr<relay::relay_pipes> front, home;
  bool drop_next_data = false;
  std::size_t carried = 0;
  std::size_t window_bytes = 64 * 1024;

  two_ends() {
    auto deliver = [this](std::shared_ptr<relay::relay_pipes>* to, std::string from) {
      return [this, to, from](const std::string&, relay::relay_message message) {
        if (std::holds_alternative<relay_data>(message) && drop_next_data) {
          drop_next_data = false;
          return;
        }
        ++carried;
        asio::post(io, [to, from, message = std::move(message)]() mutable { (*to)->on_message(from, std::move(message)); });
      };
    };
    front = std::make_shared<relay::relay_pipes>(io, relay::relay_pipes_config{"front", window_bytes, 60'000, {}},
                                                 deliver(&home, "gw"));
    home = std::make_shared<relay::relay_pipes>(io, relay::relay_pipes_config{"home", window_bytes, 60'000, {}},
                                                deliver(&front, "n1"));
  }

  // A client connected through both ends to `server` (accepted here); stream 7.
  std::pair<tcp::socket, tcp::socket> connect() {
    tcp::socket client(io), accepted(io), outbound(io), server(io);
    client.connect(client_side.local_endpoint());
    client_side.accept(accepted);
    outbound.connect(server_side.local_endpoint());
    server_side.accept(server);
    front->add({"n1", 7}, 0, {}, "client");
    front->attach({"n1", 7}, std::move(accepted));
    home->add({"gw", 7}, 0, {}, "client");
    home->attach({"gw", 7}, std::move(outbound));
    return {std::move(client), std::move(server)};
  }

  void run_for(std::chrono::milliseconds span) {
    io.restart();
    io.run_for(span);
  }
};

std::vector<std::uint8_t> pattern(std::size_t size, std::uint8_t seed) {
  std::vector<std::uint8_t> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(i * 31 + seed + (i >> 10));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pipes)

BOOST_AUTO_TEST_CASE(megabytes_cross_both_ways_intact_within_the_window) {
  two_ends ends;
  auto [client, server] = ends.connect();
  const auto up = pattern(3 << 20, 1), down = pattern(2 << 20, 2);
  std::vector<std::uint8_t> got_up(up.size()), got_down(down.size());
  bool wrote_up = false, wrote_down = false, read_up = false, read_down = false;
  asio::async_write(client, asio::buffer(up), [&](auto error, auto) { wrote_up = !error; });
  asio::async_write(server, asio::buffer(down), [&](auto error, auto) { wrote_down = !error; });
  asio::async_read(server, asio::buffer(got_up), [&](auto error, auto) { read_up = !error; });
  asio::async_read(client, asio::buffer(got_down), [&](auto error, auto) { read_down = !error; });
  for (int i = 0; i < 100 && !(read_up && read_down); ++i) ends.run_for(std::chrono::milliseconds(100));
  BOOST_TEST((wrote_up && wrote_down && read_up && read_down));
  BOOST_TEST((got_up == up));
  BOOST_TEST((got_down == down));
  BOOST_TEST(ends.front->size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_reader_that_stops_holds_the_sender_at_one_window) {
  two_ends ends;
  auto [client, server] = ends.connect();
  const auto up = pattern(1 << 20, 3);
  std::size_t written = 0;
  // The server reads nothing: the client's write stalls once the relay's window,
  // the kernel's buffers and nothing more are full.
  client.non_blocking(true);
  for (int round = 0; round < 50; ++round) {
    boost::system::error_code error;
    written += client.write_some(asio::buffer(up.data() + written % up.size(), 64 * 1024), error);
    ends.run_for(std::chrono::milliseconds(20));
  }
  const std::size_t socket_buffers_max = 16 << 20;  // generous: loopback buffers grow
  BOOST_TEST(written < ends.window_bytes + socket_buffers_max);
  const auto carried = ends.carried;
  ends.run_for(std::chrono::milliseconds(300));
  BOOST_TEST(ends.carried == carried);  // stalled: nothing more crosses
}

BOOST_AUTO_TEST_CASE(a_lost_message_ends_the_stream_at_both_ends) {
  two_ends ends;
  auto [client, server] = ends.connect();
  ends.drop_next_data = true;
  asio::write(client, asio::buffer(std::string("lost")));
  ends.run_for(std::chrono::milliseconds(50));
  asio::write(client, asio::buffer(std::string("after the gap")));
  ends.run_for(std::chrono::milliseconds(200));
  BOOST_TEST(ends.front->size() == 0u);
  BOOST_TEST(ends.home->size() == 0u);
  char byte = 0;
  boost::system::error_code error;
  server.read_some(asio::buffer(&byte, 1), error);
  BOOST_TEST((error == asio::error::eof || error == asio::error::connection_reset), error.message());
}

BOOST_AUTO_TEST_CASE(a_client_that_closes_gets_its_last_bytes_written_then_the_server_sees_the_end) {
  two_ends ends;
  auto [client, server] = ends.connect();
  asio::write(client, asio::buffer(std::string("last words")));
  client.close();
  ends.run_for(std::chrono::milliseconds(200));
  std::string got(10, '\0');
  boost::system::error_code error;
  asio::read(server, asio::buffer(got), error);
  BOOST_TEST(got == "last words");
  char byte = 0;
  server.read_some(asio::buffer(&byte, 1), error);
  BOOST_TEST((error == asio::error::eof), error.message());
  BOOST_TEST(ends.front->size() == 0u);
  BOOST_TEST(ends.home->size() == 0u);
}

BOOST_AUTO_TEST_CASE(data_for_a_stream_nobody_has_is_answered_with_a_close) {
  two_ends ends;
  ends.home->on_data("gw", relay_data{99, 0, {1, 2, 3}});
  BOOST_TEST(ends.carried == 1u);  // the close back; the front end ignores it
  ends.run_for(std::chrono::milliseconds(20));
  BOOST_TEST(ends.front->size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
