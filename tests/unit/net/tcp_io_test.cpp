// net/tcp_io against strangers on the LAN (issue 18 #5): sockets that connect and
// never finish the handshake, from one address or many, and unknown keys let in as
// guests, must not keep a zone node or the owner out. Everything on loopback: other
// 127.0.0.x addresses stand for other machines. Outcomes are asserted, not durations.
#define BOOST_TEST_MODULE net_tcp_io
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "net/tcp_io.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/raw_socket.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::net;
using bucky::testing::eventually;
using bucky::testing::raw_socket;

namespace {



// n1 listens; n2 is a zone node, "owner" the owner's CLI, keys 10+ are strangers.
struct zone_fixture {
  key_pair n1 = bucky::testing::key(1), n2 = bucky::testing::key(2), owner = bucky::testing::key(3);
  bool guests = false;  // unknown keys come in as guests (a node waiting for activation)
  std::mutex mutex;
  std::map<std::string, std::vector<io_event>> events;  // by the name of the tcp_io that saw them
  std::vector<std::unique_ptr<tcp_io>> ios;

  peer_authorizer authorize() {
    return [this](const public_key& key) -> std::optional<peer_identity> {
      if (key == n1.public_part()) return peer_identity{peer_identity::kind::node, "n1", key};
      if (key == n2.public_part()) return peer_identity{peer_identity::kind::node, "n2", key};
      if (key == owner.public_part()) return peer_identity{peer_identity::kind::admin, "owner", key};
      if (guests) return peer_identity{peer_identity::kind::guest, "guest-" + key.to_text().substr(0, 8), key};
      return std::nullopt;
    };
  }

  tcp_io_config config(bool listen) {
    tcp_io_config c;
    c.listen = listen;
    c.authorize = authorize();
    c.options.zone_id = "home";
    // Strangers are not reaped by the handshake deadline during a test: the budgets
    // alone must let the node in.
    c.options.handshake_timeout_ms = 60'000;
    return c;
  }

  tcp_io& make(const std::string& name, const key_pair& key, tcp_io_config c) {
    ios.push_back(std::make_unique<tcp_io>(key, std::move(c), [this, name](io_event event) {
      std::lock_guard lock(mutex);
      events[name].push_back(std::move(event));
    }));
    return *ios.back();
  }

  bool established(const std::string& seen_by, const std::string& peer) {
    std::lock_guard lock(mutex);
    for (auto& e : events[seen_by]) {
      if (e.what == io_event::kind::established && e.peer.name == peer) return true;
    }
    return false;
  }

  ~zone_fixture() {
    for (auto& io : ios) io->stop();
  }
};

std::size_t unfinished_from(tcp_io& io, const std::string& address) {
  std::size_t count = 0;
  for (auto& s : io.sessions()) {
    if (!s.established && s.remote_address.rfind(address + ":", 0) == 0) ++count;
  }
  return count;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(tcp_io_suite, zone_fixture)

BOOST_AUTO_TEST_CASE(strangers_holding_unfinished_handshakes_do_not_keep_a_node_or_the_owner_out) {
  auto listening = config(true);
  listening.sessions_max = 16;
  auto& node1 = make("n1", n1, listening);
  auto port = node1.start();
  BOOST_TEST_REQUIRE(port.has_value());
  // 200 sockets from 50 addresses; every other one sends the start of a frame.
  std::vector<raw_socket> strangers;
  for (int i = 0; i < 200; ++i) {
    strangers.emplace_back(*port, "127.0.0." + std::to_string(2 + i / 4));
    BOOST_TEST_REQUIRE(strangers.back().ok());
    if (i % 2 == 0) strangers.back().send(std::string("\0\0", 2));
  }
  BOOST_TEST_REQUIRE(eventually([&] { return node1.sessions().size() >= 16u; }));
  auto& node2 = make("n2", n2, config(false));
  BOOST_TEST_REQUIRE(node2.start().has_value());
  node2.keep_connected("n1", n1.public_part(), "127.0.0.1", *port);
  auto& cli = make("owner", owner, config(false));
  BOOST_TEST_REQUIRE(cli.start().has_value());
  cli.keep_connected("n1", n1.public_part(), "127.0.0.1", *port);
  BOOST_TEST(eventually([&] { return established("n1", "n2") && established("n2", "n1"); }));
  BOOST_TEST(eventually([&] { return established("n1", "owner") && established("owner", "n1"); }));
}

BOOST_AUTO_TEST_CASE(one_address_holds_at_most_handshakes_per_address_max_unfinished_handshakes) {
  auto listening = config(true);
  listening.handshakes_per_address_max = 4;
  auto& node1 = make("n1", n1, listening);
  auto port = node1.start();
  BOOST_TEST_REQUIRE(port.has_value());
  std::vector<raw_socket> strangers;
  for (int i = 0; i < 10; ++i) strangers.emplace_back(*port, "127.0.0.2");
  // The node dials after the strangers: once it is in, all of theirs were accepted.
  auto& node2 = make("n2", n2, config(false));
  BOOST_TEST_REQUIRE(node2.start().has_value());
  node2.keep_connected("n1", n1.public_part(), "127.0.0.1", *port);
  BOOST_TEST_REQUIRE(eventually([&] { return established("n1", "n2"); }));
  BOOST_TEST(unfinished_from(node1, "127.0.0.2") == 4u);
}

BOOST_AUTO_TEST_CASE(guests_get_at_most_guest_sessions_max_and_a_node_still_gets_in) {
  guests = true;
  auto listening = config(true);
  listening.sessions_max = 4;
  listening.guest_sessions_max = 2;
  auto& node1 = make("n1", n1, listening);
  auto port = node1.start();
  BOOST_TEST_REQUIRE(port.has_value());
  for (std::uint8_t i = 0; i < 6; ++i) {
    auto name = "stranger" + std::to_string(i);
    auto& stranger = make(name, bucky::testing::key(static_cast<std::uint8_t>(10 + i)), config(false));
    BOOST_TEST_REQUIRE(stranger.start().has_value());
    stranger.keep_connected("n1", n1.public_part(), "127.0.0.1", *port);
  }
  auto& node2 = make("n2", n2, config(false));
  BOOST_TEST_REQUIRE(node2.start().has_value());
  node2.keep_connected("n1", n1.public_part(), "127.0.0.1", *port);
  BOOST_TEST_REQUIRE(eventually([&] { return established("n1", "n2"); }));
  std::size_t guests_in = 0;
  for (auto& s : node1.sessions()) guests_in += s.established && s.peer.rfind("guest-", 0) == 0 ? 1 : 0;
  BOOST_TEST(guests_in <= 2u);
}

BOOST_AUTO_TEST_SUITE_END()
