// Two and three nodes in one test process: each a full actor system with node_daemon
// supervising a transport, talking over real TCP on 127.0.0.1. Waits poll with
// deadlines.
#define BOOST_TEST_MODULE integration_transport_nodes
#include <boost/test/unit_test.hpp>

#include <future>
#include <thread>

#include <caf/all.hpp>

#include "actors/node_daemon/actor.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/transport/actor.hpp"
#include "actors/runtime/message_types.hpp"
#include "actors/log_tail/ring_sink.hpp"
#include "tests/support/frame_proxy.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/remote_calls.hpp"

using namespace bucky;
using namespace std::chrono_literals;
using bucky::testing::error_of;

namespace {

constexpr auto deadline = 15s;

net::key_pair key_of(std::uint8_t value) {
  std::array<std::uint8_t, net::seed_bytes> seed;
  seed.fill(value);
  return net::key_pair::from_seed(seed);
}

// An actor that takes echo requests and never answers (for timeouts).
class silent_actor : public component_actor {
 public:
  using component_actor::component_actor;
  caf::behavior make_behavior() override {
    return {[this](echo_request&) -> caf::result<echo_reply> {
      held_.push_back(make_response_promise<echo_reply>());
      return held_.back();
    }};
  }

  // A held promise refers to its own actor: drop them or the actor never frees.
  void on_exit() override { held_.clear(); }

 private:
  std::vector<caf::response_promise> held_;
};

struct node {
  std::string id;
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> system;
  caf::actor daemon;

  void stop() {
    if (!system) return;
    {
      caf::scoped_actor self{*system};  // must be gone before the system: it counts as running
      self->monitor(daemon);
      self->send(daemon, shutdown_atom::value);
      self->receive([](caf::down_msg&) {}, caf::after(deadline) >> [] { BOOST_FAIL("daemon did not stop"); });
    }
    daemon = nullptr;
    system.reset();
    cfg.reset();
  }
  ~node() { stop(); }
};

struct zone_fixture {
  std::vector<std::string> ids;
  std::map<std::string, std::uint8_t> seeds;
  std::map<std::string, std::uint16_t> ports;
  net::peer_directory directory;
  std::map<std::string, std::unique_ptr<node>> nodes;

  std::shared_ptr<ring_sink> log_lines = std::make_shared<ring_sink>(5'000);

  // `dial_ports` overrides where others dial a node (a proxy in front of it).
  explicit zone_fixture(std::vector<std::string> node_ids, std::map<std::string, std::uint16_t> real_ports = {},
                        std::map<std::string, std::uint16_t> dial_ports = {})
      : ids(std::move(node_ids)) {
    BOOST_TEST_REQUIRE(logging::init({"test", spdlog::level::info, "", true}).is_ok());
    logging::add_sink(log_lines);
    std::string text;
    std::uint8_t seed = 1;
    for (auto& id : ids) {
      seeds[id] = seed++;
      ports[id] = real_ports.count(id) ? real_ports[id] : testing::free_port();
      auto dial = dial_ports.count(id) ? dial_ports[id] : ports[id];
      text += fmt::format("node {} {} 127.0.0.1:{}\n", id, key_of(seeds[id]).public_part().to_text(), dial);
    }
    text += fmt::format("admin operator {}\n", key_of(200).public_part().to_text());
    auto parsed = net::peer_directory::parse(text, "test peers");
    BOOST_TEST_REQUIRE(parsed.has_value(), parsed.error().to_string());
    directory = *parsed;
  }

  void start(const std::string& id, std::optional<std::uint8_t> seed_override = std::nullopt) {
    auto n = std::make_unique<node>();
    n->id = id;
    n->cfg = std::make_unique<caf::actor_system_config>();
    n->system = std::make_unique<caf::actor_system>(*n->cfg);
    transport_config config;
    config.node_id = id;
    config.key = std::make_shared<net::key_pair>(key_of(seed_override.value_or(seeds[id])));
    config.peers = std::make_shared<net::trusted_peers>(directory);
    config.listen_port = ports[id];
    node_daemon_config daemon_config;
    daemon_config.node_id = id;
    daemon_config.children.push_back({"transport", restart_type::permanent, restart_strategy::one_for_one,
                                      [config](caf::actor_system& system, const child_context& context) {
                                        return spawn_transport(system, context, config);
                                      },
                                      2'000});
    daemon_config.children.push_back({"silent", restart_type::permanent, restart_strategy::one_for_one,
                                      spawn_component<silent_actor>(), 1'000});
    n->daemon = spawn_node_daemon(*n->system, daemon_config);
    nodes[id] = std::move(n);
  }

  caf::actor transport_of(const std::string& id) {
    for (int i = 0; i < 1000; ++i) {
      if (auto t = nodes[id]->system->registry().get<caf::actor>(caf::atom("transport"))) return t;
      std::this_thread::sleep_for(5ms);
    }
    BOOST_FAIL("no transport on " << id);
    return {};
  }

  bool wait_connected(const std::string& id, std::set<std::string> expected) {
    return testing::wait_connected(*nodes[id]->system, [&] { return transport_of(id); }, expected);
  }
  std::set<std::string> connected_peers(const std::string& id) {
    return bucky::connected_peers(*nodes[id]->system, transport_of(id));
  }
  bool logged(const std::string& fragment, std::chrono::seconds limit = 10s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      for (auto& line : log_lines->lines_after(0, 0, 5'000)) {
        if (line.text.find(fragment) != std::string::npos) return true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  int count_logged(const std::string& fragment) {
    int count = 0;
    for (auto& line : log_lines->lines_after(0, 0, 5'000)) count += line.text.find(fragment) != std::string::npos;
    return count;
  }
  // Polls (bounded) until more than `seen` lines contain `fragment`; returns the count.
  int wait_count_above(const std::string& fragment, int seen, std::chrono::seconds limit = 10s) {
    auto until = std::chrono::steady_clock::now() + limit;
    int count = count_logged(fragment);
    while (count <= seen && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(20ms);
      count = count_logged(fragment);
    }
    return count;
  }

  testing::echo_outcome echo(const std::string& from, const std::string& to, const std::string& actor = "transport",
                             std::size_t size = 16, std::chrono::milliseconds timeout = 3s) {
    return testing::remote_echo(*nodes[from]->system, transport_of(from), to, actor, size, timeout);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(three_nodes_connect_and_request_response_works_every_way) {
  zone_fixture zone({"n1", "n2", "n3"});
  for (auto& id : zone.ids) zone.start(id);
  BOOST_TEST_REQUIRE(zone.wait_connected("n1", {"n2", "n3"}));
  BOOST_TEST_REQUIRE(zone.wait_connected("n2", {"n1", "n3"}));
  BOOST_TEST_REQUIRE(zone.wait_connected("n3", {"n1", "n2"}));
  for (auto& from : zone.ids) {
    for (auto& to : zone.ids) {
      if (from == to) continue;
      auto reply = zone.echo(from, to, "transport", 64 * 1024);
      BOOST_TEST_REQUIRE(std::holds_alternative<echo_reply>(reply), from << "->" << to << ": " << error_of(reply));
      BOOST_TEST(std::get<echo_reply>(reply).node_id == to);
      BOOST_TEST(std::get<echo_reply>(reply).data.size() == 64u * 1024u);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_remote_actor_table_comes_back_typed) {
  zone_fixture zone({"n1", "n2"});
  zone.start("n1");
  zone.start("n2");
  BOOST_TEST_REQUIRE(zone.wait_connected("n2", {"n1"}));
  auto table = testing::remote_table(*zone.nodes["n2"]->system, zone.transport_of("n2"), "n1");
  BOOST_TEST_REQUIRE(table.has_value());
  BOOST_TEST(table->node_id == "n1");
  BOOST_TEST(table->actors.size() == 2u);
}

BOOST_AUTO_TEST_CASE(unknown_actor_unknown_node_and_silence_each_give_a_clear_error) {
  zone_fixture zone({"n1", "n2"});
  zone.start("n1");
  zone.start("n2");
  BOOST_TEST_REQUIRE(zone.wait_connected("n1", {"n2"}));
  auto missing = error_of(zone.echo("n1", "n2", "nobody"));
  BOOST_TEST(missing.find("no actor 'nobody' on node n2") != std::string::npos, missing);
  auto far = error_of(zone.echo("n1", "n9"));
  BOOST_TEST(far.find("no session with node n9") != std::string::npos, far);
  auto slow = error_of(zone.echo("n1", "n2", "silent", 16, 300ms));
  BOOST_TEST(!slow.empty());
  BOOST_TEST((slow.find("no answer") != std::string::npos || slow.find("timeout") != std::string::npos), slow);
  // The session survived all three.
  BOOST_TEST(std::holds_alternative<echo_reply>(zone.echo("n1", "n2")));
}

BOOST_AUTO_TEST_CASE(a_node_with_an_unknown_key_gets_no_session) {
  zone_fixture zone({"n1", "n2"});
  zone.start("n1");
  zone.start("n2", std::uint8_t{99});  // n2's address, someone else's key
  std::this_thread::sleep_for(500ms);
  BOOST_TEST(zone.connected_peers("n1").empty());
  BOOST_TEST(zone.connected_peers("n2").empty());
  auto refused = error_of(zone.echo("n1", "n2"));
  BOOST_TEST(refused.find("no session") != std::string::npos, refused);
}

BOOST_AUTO_TEST_CASE(a_restarted_peer_reconnects_and_waiting_requests_fail_with_the_reason) {
  zone_fixture zone({"n1", "n2"});
  zone.start("n1");
  zone.start("n2");
  BOOST_TEST_REQUIRE(zone.wait_connected("n1", {"n2"}));
  // A request parked at n2's silent actor fails when n2 goes away, not at its timeout.
  std::string parked;
  std::thread waiter([&] { parked = error_of(zone.echo("n1", "n2", "silent", 16, 10s)); });
  std::this_thread::sleep_for(200ms);
  zone.nodes["n2"]->stop();
  waiter.join();
  BOOST_TEST(parked.find("disconnected from n2") != std::string::npos, parked);
  zone.start("n2");
  BOOST_TEST_REQUIRE(zone.wait_connected("n1", {"n2"}));
  auto reply = zone.echo("n1", "n2");
  BOOST_TEST(std::holds_alternative<echo_reply>(reply), error_of(reply));
}

BOOST_AUTO_TEST_CASE(a_crashed_transport_is_restarted_and_sessions_come_back) {
  zone_fixture zone({"n1", "n2"});
  zone.start("n1");
  zone.start("n2");
  BOOST_TEST_REQUIRE(zone.wait_connected("n1", {"n2"}));
  set_fault_injection(true);
  auto before = zone.transport_of("n1");
  caf::anon_send(before, crash_atom::value);
  for (int i = 0; i < 1000 && zone.transport_of("n1") == before; ++i) std::this_thread::sleep_for(5ms);
  set_fault_injection(false);
  BOOST_TEST((zone.transport_of("n1") != before));
  // Each side sees the new session when its own last handshake step is done.
  BOOST_TEST_REQUIRE(zone.wait_connected("n1", {"n2"}));
  BOOST_TEST_REQUIRE(zone.wait_connected("n2", {"n1"}));
  BOOST_TEST(std::holds_alternative<echo_reply>(zone.echo("n2", "n1")));
}

BOOST_AUTO_TEST_CASE(an_unknown_message_type_gets_an_error_reply_and_the_session_lives) {
  zone_fixture zone({"n1", "n2"});
  zone.start("n1");
  zone.start("n2");
  BOOST_TEST_REQUIRE(zone.wait_connected("n1", {"n2"}));
  caf::scoped_actor self{*zone.nodes["n1"]->system};
  remote_call call{"n2", "transport", 999, {0x90}, 2'000};
  std::string error;
  self->request(zone.transport_of("n1"), 5s, call)
      .receive([&](remote_reply&) { error = "answered"; }, [&](caf::error& e) { error = describe_exit_reason(e); });
  BOOST_TEST(error.find("unknown message type 999") != std::string::npos, error);
  BOOST_TEST(std::holds_alternative<echo_reply>(zone.echo("n1", "n2")));
}

BOOST_AUTO_TEST_CASE(a_malformed_envelope_ends_only_its_own_session) {
  zone_fixture zone({"n1"});
  zone.start("n1");
  // A raw admin connection that sends bytes that are no envelope once it is in.
  std::promise<net::io_event> closed;
  bool closed_seen = false;
  net::tcp_io_config config;
  config.listen = false;
  config.authorize = [&](const net::public_key& key) { return zone.directory.authorize(key); };
  std::unique_ptr<net::tcp_io> raw;
  raw = std::make_unique<net::tcp_io>(key_of(200), config, [&](net::io_event event) {
    if (event.what == net::io_event::kind::established) raw->send(event.session_id, bytes{0xc1, 0x00}, 0);
    if (event.what == net::io_event::kind::closed && !closed_seen) {
      closed_seen = true;
      closed.set_value(event);
    }
  });
  BOOST_TEST_REQUIRE(raw->start().has_value());
  const auto* n1 = zone.directory.node("n1");
  raw->keep_connected("n1", n1->identity.key, n1->host, n1->port);
  auto future = closed.get_future();
  BOOST_TEST_REQUIRE((future.wait_for(10s) == std::future_status::ready));
  raw->stop();
  // The node is fine and serves others.
  testing::test_admin admin(key_of(200), zone.directory, "operator");
  BOOST_TEST_REQUIRE(admin.wait_connected({"n1"}));
  BOOST_TEST(std::holds_alternative<echo_reply>(admin.echo("n1")));
}

// Over real sockets, with a man in the middle between n1 (who dials) and n2: each
// altered frame ends the session at n2 with the reason logged, the request riding on
// it fails at once, and n1 reconnects through the same path afterwards.
BOOST_AUTO_TEST_CASE(frames_altered_on_the_wire_end_the_session_and_the_nodes_reconnect) {
  auto n2_port = testing::free_port();
  testing::frame_proxy proxy(n2_port);
  zone_fixture zone({"n1", "n2"}, {{"n2", n2_port}}, {{"n2", proxy.port()}});
  zone.start("n1");
  zone.start("n2");
  using attack = testing::frame_proxy::attack;
  int rejected_before = 0;
  for (auto how : {attack::flip_bit, attack::replay, attack::reorder, attack::oversize}) {
    BOOST_TEST_CONTEXT("attack " << static_cast<int>(how)) {
      // The previous attack's session may end only after the next one is up (its
      // last altered frame can trail): wait until an echo goes through a session
      // that lives, before arming the next attack.
      auto before = zone.echo("n1", "n2");
      for (int attempt = 0; attempt < 50 && !std::holds_alternative<echo_reply>(before); ++attempt) {
        zone.wait_connected("n1", {"n2"});
        before = zone.echo("n1", "n2");
      }
      BOOST_TEST_REQUIRE(std::holds_alternative<echo_reply>(before), error_of(before));
      rejected_before = zone.count_logged("with n1 closed: ");  // this attack must add its own
      proxy.arm(how);
      // A replayed request is answered once, then its copy ends the session; the
      // other attacks end it before the request is served. Reorder waits for a
      // second frame (a keepalive at the latest).
      auto during = zone.echo("n1", "n2", "transport", 16, 5s);
      if (how != attack::replay) BOOST_TEST(!error_of(during).empty());
      BOOST_TEST(proxy.fired());
      auto rejected = zone.wait_count_above("with n1 closed: ", rejected_before);
      BOOST_TEST(rejected > rejected_before);
      rejected_before = rejected;
    }
  }
  BOOST_TEST(zone.logged("frame failed authentication"));
  BOOST_TEST(zone.logged("frame length 2147483647 is outside"));
  BOOST_TEST_REQUIRE(zone.wait_connected("n1", {"n2"}));
  BOOST_TEST(std::holds_alternative<echo_reply>(zone.echo("n1", "n2")));
  BOOST_TEST(zone.count_logged("frame failed authentication") == 3);
}
