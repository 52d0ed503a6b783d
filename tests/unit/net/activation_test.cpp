// Activations: one machine, one node_id, one owner, a bounded time; and whether a
// node is a member under a zone config.
#define BOOST_TEST_MODULE unit_net_activation
#include <boost/test/unit_test.hpp>

#include "messages/codec.hpp"
#include "net/activation_sign.hpp"
#include "net/zone_config_sign.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::net;
using bucky::testing::key;

namespace {

constexpr std::uint64_t now_ms = 1'800'000'000'000;

const key_pair owner = key(100);
const key_pair machine = key(7);

zone_config zone_with_machine() {
  zone_config config;
  config.zone_id = "home.example";
  config.owner_key = owner.public_part().to_text();
  config.version = 2;
  config.nodes.push_back({"nas", machine.public_part().to_text(), "127.0.0.1:7101"});
  config.state_nodes = {"nas"};
  return config;
}

activation body_for(const zone_config& config, const key_pair& signer = owner) {
  activation body;
  body.zone_id = config.zone_id;
  body.node_id = "nas";
  body.node_key = machine.public_part().to_text();
  body.issued_unix_ms = now_ms;
  body.expires_unix_ms = now_ms + 600'000;
  body.zone = *sign_zone_config(config, signer);
  return body;
}

bool refused_with(const result<checked_activation>& r, const std::string& words) {
  if (r.has_value()) return false;
  BOOST_TEST_MESSAGE(r.error().message());
  return r.error().message().find(words) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_good_activation_names_the_node_and_carries_the_verified_config) {
  auto request = sign_activation(body_for(zone_with_machine()), owner);
  BOOST_TEST_REQUIRE(request.has_value());
  auto checked = check_activation(*request, machine.public_part(), now_ms + 1'000, std::nullopt);
  BOOST_TEST_REQUIRE(checked.has_value(), checked.error().message());
  BOOST_TEST(checked->body.node_id == "nas");
  BOOST_TEST(checked->config.version == 2u);
  // A node started with --owner-key accepts its owner only.
  BOOST_TEST(check_activation(*request, machine.public_part(), now_ms, owner.public_part()).has_value());
  BOOST_TEST(refused_with(check_activation(*request, machine.public_part(), now_ms, key(101).public_part()),
                          "trusts"));
}

BOOST_AUTO_TEST_CASE(another_machine_cannot_use_it) {
  auto request = *sign_activation(body_for(zone_with_machine()), owner);
  BOOST_TEST(refused_with(check_activation(request, key(8).public_part(), now_ms, std::nullopt),
                          "issued for node key"));
}

BOOST_AUTO_TEST_CASE(it_expires_and_may_not_come_from_the_future) {
  auto request = *sign_activation(body_for(zone_with_machine()), owner);
  BOOST_TEST(refused_with(check_activation(request, machine.public_part(), now_ms + 600'000, std::nullopt),
                          "expired"));
  BOOST_TEST(refused_with(check_activation(request, machine.public_part(), now_ms - 3'600'000, std::nullopt),
                          "future"));
  auto forever = body_for(zone_with_machine());
  forever.expires_unix_ms = now_ms + 2 * activation_limits::lifetime_ms_max;
  BOOST_TEST(!sign_activation(forever, owner).has_value());
}

BOOST_AUTO_TEST_CASE(tampering_or_a_stranger_signature_is_refused) {
  auto request = *sign_activation(body_for(zone_with_machine()), owner);
  for (std::size_t i = 0; i < request.body.size(); i += 7) {
    auto altered = request;
    altered.body[i] ^= 0x01;
    BOOST_TEST(!check_activation(altered, machine.public_part(), now_ms, std::nullopt).has_value(), "byte " << i);
  }
  auto stranger = key(55);
  auto forged = *sign_activation(body_for(zone_with_machine()), stranger);
  BOOST_TEST(refused_with(check_activation(forged, machine.public_part(), now_ms, std::nullopt), "signature"));
  // A stranger's own zone naming the stranger as owner is self-consistent; a node
  // started with --owner-key refuses it.
  auto theirs = zone_with_machine();
  theirs.owner_key = stranger.public_part().to_text();
  auto hijack = *sign_activation(body_for(theirs, stranger), stranger);
  BOOST_TEST(check_activation(hijack, machine.public_part(), now_ms, std::nullopt).has_value());
  BOOST_TEST(refused_with(check_activation(hijack, machine.public_part(), now_ms, owner.public_part()), "trusts"));
}

BOOST_AUTO_TEST_CASE(the_config_must_list_the_node_with_this_key) {
  auto config = zone_with_machine();
  config.nodes[0].node_id = "garage";
  config.state_nodes = {"garage"};
  auto request = *sign_activation(body_for(config), owner);
  BOOST_TEST(refused_with(check_activation(request, machine.public_part(), now_ms, std::nullopt), "does not list"));
  auto other_zone = body_for(zone_with_machine());
  other_zone.zone_id = "other.example";
  BOOST_TEST(refused_with(check_activation(*sign_activation(other_zone, owner), machine.public_part(), now_ms,
                                           std::nullopt),
                          "carries the config of zone"));
}

BOOST_AUTO_TEST_CASE(membership_is_a_listed_node_id_with_its_own_unrevoked_key) {
  auto config = zone_with_machine();
  BOOST_TEST(check_zone_member(config, "nas", machine.public_part()).is_ok());
  BOOST_TEST(check_zone_member(config, "garage", machine.public_part()).message().find("does not list") !=
             std::string::npos);
  BOOST_TEST(check_zone_member(config, "nas", key(8).public_part()).message().find("not this node's key") !=
             std::string::npos);
  auto replaced = config;
  replaced.nodes[0].public_key = key(8).public_part().to_text();
  replaced.revoked_keys = {machine.public_part().to_text()};
  BOOST_TEST(check_zone_member(replaced, "nas", machine.public_part()).message().find("revokes") !=
             std::string::npos);
  BOOST_TEST(check_zone_member(replaced, "nas", key(8).public_part()).is_ok());
}
