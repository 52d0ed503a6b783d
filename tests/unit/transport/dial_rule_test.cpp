// The dial rule and how routing_core keeps the dialled set in step with the
// trusted peers and the injected faults.
#define BOOST_TEST_MODULE transport_dial_rule
#include <boost/test/unit_test.hpp>

#include "actors/transport/dial_rule.hpp"
#include "messages/zone_config.hpp"
#include "tests/unit/transport/routing_test_support.hpp"

using namespace bucky;
using namespace bucky::routing_test;

namespace {

std::vector<std::string> dialled_names(const routing_output& out, dial_command::kind what) {
  std::vector<std::string> names;
  for (const auto& dial : out.dials) {
    if (dial.what == what) names.push_back(dial.entry.identity.name);
  }
  return names;
}

using names = std::vector<std::string>;
constexpr auto keep = dial_command::kind::keep_connected;
constexpr auto forget = dial_command::kind::forget;

}  // namespace

BOOST_AUTO_TEST_CASE(of_two_nodes_exactly_one_dials_the_other) {
  names ids{"n1", "n2", "n10", "a", "zz-9"};
  for (const auto& a : ids) {
    for (const auto& b : ids) {
      if (a == b) continue;
      bool a_dials = dials(a, false, false, node_entry(b, 7000));
      bool b_dials = dials(b, false, false, node_entry(a, 7000));
      BOOST_TEST(a_dials != b_dials, a << " and " << b);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_node_never_dials_itself_nor_an_admin_client_its_own_name) {
  BOOST_TEST(!dials("n1", false, false, node_entry("n1", 7001)));
  auto wanted = nodes_to_dial(directory({"n1", "n2", "n3"}), "n2", false);
  BOOST_TEST(wanted.size() == 1u);
  BOOST_TEST(wanted.count("n3") == 1u);
}

BOOST_AUTO_TEST_CASE(an_admin_client_dials_every_node_with_an_address) {
  auto wanted = nodes_to_dial(directory({"n1", "n2", "n3"}), "owner", true);
  BOOST_TEST(wanted.size() == 3u);
  BOOST_TEST(!dials("owner", false, true, node_entry("n4", 0)));  // no address yet
}

BOOST_AUTO_TEST_CASE(admins_and_nodes_without_an_address_are_never_dialled) {
  BOOST_TEST(!dials("a", false, false, node_entry("n9", 0)));
  net::peer_entry alice{admin("zed"), "127.0.0.1", 7000};
  BOOST_TEST(!dials("a", false, false, alice));
  BOOST_TEST(!dials("a", false, true, alice));
}

BOOST_AUTO_TEST_CASE(home_nodes_dial_a_gateway_node_whatever_the_names_and_it_dials_none) {
  auto gateway = node_entry("a-relay", 7009);  // sorts before every home node
  gateway.gateway = true;
  BOOST_TEST(dials("n1", false, false, gateway));
  BOOST_TEST(dials("zz", false, false, gateway));
  BOOST_TEST(!dials("a-relay", true, false, node_entry("n1", 7001)));
  BOOST_TEST(!dials("a-relay", true, false, node_entry("zz", 7001)));
  auto other = node_entry("b-relay", 7010);  // two gateway nodes: the usual rule
  other.gateway = true;
  BOOST_TEST(dials("a-relay", true, false, other) != dials("b-relay", true, false, gateway));
  BOOST_TEST(dials("owner", false, true, gateway));  // the CLI dials it like any node
}

BOOST_AUTO_TEST_CASE(nodes_to_dial_reads_the_gateway_flag_of_self_and_of_the_others) {
  zone_config config;
  config.zone_id = "home.test";
  config.owner_key = net::key_pair::generate().public_part().to_text();
  config.version = 1;
  config.state_nodes = {"n1"};
  auto key = [] { return net::key_pair::generate().public_part().to_text(); };
  config.nodes = {{"a-relay", key(), "127.0.0.1:7009", true}, {"n1", key(), "127.0.0.1:7001", false},
                  {"n2", key(), "127.0.0.1:7002", false}};
  BOOST_TEST(validate(config).is_ok());
  config.state_nodes = {"a-relay"};
  BOOST_TEST(!validate(config).is_ok());  // a gateway node holds no zone state
  config.state_nodes = {"n1"};
  auto peers = net::peer_directory::from_zone_config(config);
  BOOST_TEST_REQUIRE(peers.has_value(), peers.error().to_string());
  auto from_n2 = nodes_to_dial(*peers, "n2", false);
  BOOST_TEST(from_n2.size() == 1u);
  BOOST_TEST(from_n2.count("a-relay") == 1u);
  auto from_n1 = nodes_to_dial(*peers, "n1", false);
  BOOST_TEST(from_n1.size() == 2u);  // n2 by name, the gateway node by role
  BOOST_TEST(nodes_to_dial(*peers, "a-relay", false).empty());
}

BOOST_AUTO_TEST_CASE(start_keeps_every_node_of_the_rule_connected) {
  routing_core core{routing_config{"n2", false, {}}};
  auto out = core.start(directory({"n1", "n2", "n3", "n4"}));
  BOOST_TEST((dialled_names(out, keep) == names{"n3", "n4"}));
  BOOST_TEST(dialled_names(out, forget).empty());
  BOOST_TEST(out.dials.at(0).entry.port == 7003);
}

BOOST_AUTO_TEST_CASE(a_changed_address_is_forgotten_then_dialled_again_and_a_removed_node_forgotten) {
  routing_core core{routing_config{"n1", false, {}}};
  (void)core.start(directory({"n1", "n2", "n3"}));
  BOOST_TEST(core.on_peers_changed(directory({"n1", "n2", "n3"}), {}).dials.empty());  // same: nothing

  // n2 moves to 7003's port, n3 leaves.
  auto out = core.on_peers_changed(directory({"n1", "n3-x", "n2"}), {});
  BOOST_TEST_REQUIRE(out.dials.size() == 4u);
  BOOST_TEST((out.dials[0].what == forget));
  BOOST_TEST((dialled_names(out, forget) == names{"n2", "n3"}));
  BOOST_TEST(out.dials[0].why == "its zone config entry changed");
  BOOST_TEST((dialled_names(out, keep) == names{"n2", "n3-x"}));
  BOOST_TEST(out.dials[2].entry.port == 7003);
}

BOOST_AUTO_TEST_CASE(a_node_no_longer_blocked_is_redialled_at_once) {
  routing_core core{routing_config{"n1", false, {}}};
  auto peers = directory({"n1", "n2", "n3"});
  (void)core.start(peers);
  BOOST_TEST(core.on_peers_changed(peers, {"n2"}).dials.empty());
  auto out = core.on_peers_changed(peers, {});
  BOOST_TEST_REQUIRE(out.dials.size() == 2u);
  BOOST_TEST((out.dials[0].what == forget));  // drops the backoff its refusals built up
  BOOST_TEST(out.dials[0].why == "unblocked: dialling again");
  BOOST_TEST((out.dials[1].what == keep));
  BOOST_TEST(out.dials[1].entry.identity.name == "n2");
  BOOST_TEST(core.on_peers_changed(peers, {}).dials.empty());  // once
}

BOOST_AUTO_TEST_CASE(sessions_of_blocked_nodes_and_of_keys_no_longer_trusted_are_closed) {
  routing_core core{routing_config{"n1", false, {}}};
  (void)core.start(directory({"n1", "n2", "n3", "n4"}));
  (void)core.on_session_established(2, node("n2"), true, "127.0.0.1:7002");
  (void)core.on_session_established(3, node("n3"), true, "127.0.0.1:7003");
  (void)core.on_session_established(4, node("n4"), true, "127.0.0.1:7004");
  (void)core.on_session_established(5, guest("guest-1"), false, "127.0.0.1:50000");

  // n3 blocked, n4 removed from the zone; n2 and the guest stay.
  auto out = core.on_peers_changed(directory({"n1", "n2", "n3"}), {"n3"});
  BOOST_TEST_REQUIRE(out.closes.size() == 2u);
  BOOST_TEST(out.closes[0].session_id == 3u);
  BOOST_TEST(out.closes[0].why == "blocked by an injected fault");
  BOOST_TEST(out.closes[1].session_id == 4u);
  BOOST_TEST(out.closes[1].why == "key no longer trusted");
  BOOST_TEST(logged(out, "closing session 4 with n4: its key is no longer trusted by the zone config"));
}
