// The signed zone config: what is accepted, and every way a document is refused.
#define BOOST_TEST_MODULE unit_net_zone_config
#include <boost/test/unit_test.hpp>

#include "messages/codec.hpp"
#include "net/zone_config_sign.hpp"
#include "net/zone_config_txt.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::net;
using bucky::testing::key;

namespace {

zone_config three_nodes(const key_pair& owner) {
  zone_config config;
  config.zone_id = "home.example";
  config.owner_key = owner.public_part().to_text();
  config.version = 1;
  for (std::uint8_t n = 3; n >= 1; --n) {  // out of order on purpose
    config.nodes.push_back({"n" + std::to_string(n), key(n).public_part().to_text(),
                            "127.0.0.1:" + std::to_string(7100 + n)});
  }
  config.state_nodes = {"n3", "n1", "n2"};
  return config;
}

bool refused_with(const result<zone_config>& r, const std::string& words) {
  return !r.has_value() && r.error().message().find(words) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_signed_config_verifies_under_its_owner_and_reads_back_canonical) {
  auto owner = key(100);
  auto document = sign_zone_config(three_nodes(owner), owner);
  BOOST_TEST_REQUIRE(document.has_value(), document.error().to_string());
  auto wire = decode<signed_zone_config>(encode(*document));
  BOOST_TEST_REQUIRE(wire.has_value());
  auto config = verify_zone_config(*wire, owner.public_part());
  BOOST_TEST_REQUIRE(config.has_value(), config.error().to_string());
  BOOST_TEST(config->nodes.front().node_id == "n1");
  BOOST_TEST(config->state_nodes.front() == "n1");
  BOOST_TEST(verify_zone_config(*wire, std::nullopt).has_value());  // first contact: the owner key comes with it
}

BOOST_AUTO_TEST_CASE(every_tampered_byte_is_refused) {
  auto owner = key(100);
  auto document = *sign_zone_config(three_nodes(owner), owner);
  for (std::size_t i = 0; i < document.config.size(); ++i) {
    auto bent = document;
    bent.config[i] ^= 0x01;
    BOOST_TEST(!verify_zone_config(bent, owner.public_part()).has_value(), "byte " << i);
  }
  auto bad_signature = document;
  bad_signature.signature[10] ^= 0x80;
  BOOST_TEST(refused_with(verify_zone_config(bad_signature, owner.public_part()), "signature does not match"));
  bad_signature.signature.pop_back();
  BOOST_TEST(refused_with(verify_zone_config(bad_signature, owner.public_part()), "not 64 bytes"));
}

BOOST_AUTO_TEST_CASE(another_owner_cannot_sign_or_substitute_a_config) {
  auto owner = key(100), stranger = key(101);
  BOOST_TEST(!sign_zone_config(three_nodes(owner), stranger).has_value());
  // The stranger signs a config naming itself as owner: refused where the owner is pinned.
  auto theirs = *sign_zone_config(three_nodes(stranger), stranger);
  BOOST_TEST(refused_with(verify_zone_config(theirs, owner.public_part()), "this node trusts"));
  // The stranger's signature on the owner's config: refused.
  auto mine = *sign_zone_config(three_nodes(owner), owner);
  auto sig = stranger.sign(std::vector<std::uint8_t>(mine.config));
  mine.signature.assign(sig.begin(), sig.end());
  BOOST_TEST(refused_with(verify_zone_config(mine, owner.public_part()), "signature does not match"));
}

BOOST_AUTO_TEST_CASE(a_non_canonical_encoding_is_refused_even_when_signed) {
  auto owner = key(100);
  signed_zone_config document;
  document.config = encode(three_nodes(owner));  // nodes out of order
  std::vector<std::uint8_t> bytes(zone_config_signature_domain.begin(), zone_config_signature_domain.end());
  bytes.insert(bytes.end(), document.config.begin(), document.config.end());
  auto sig = owner.sign(bytes);
  document.signature.assign(sig.begin(), sig.end());
  BOOST_TEST(refused_with(verify_zone_config(document, owner.public_part()), "not canonical"));
}

BOOST_AUTO_TEST_CASE(invalid_configs_are_refused_naming_the_field) {
  auto owner = key(100);
  auto check = [&](auto change, const std::string& words) {
    auto config = three_nodes(owner);
    change(config);
    auto valid = validate(config);
    BOOST_TEST(valid.message().find(words) != std::string::npos, valid.message() << " lacks " << words);
  };
  check([](zone_config& c) { c.zone_id = "Home.example"; }, "zone_id");
  check([](zone_config& c) { c.zone_id = "home..example"; }, "zone_id");
  check([](zone_config& c) { c.version = 0; }, "version");
  check([](zone_config& c) { c.nodes[0].node_id = "n_1"; }, "node_id");
  check([](zone_config& c) { c.nodes[1].node_id = c.nodes[0].node_id; }, "listed twice");
  check([](zone_config& c) { c.nodes[1].public_key = c.nodes[0].public_key; }, "also another node's");
  check([](zone_config& c) { c.nodes[0].public_key = "short"; }, "public_key");
  check([](zone_config& c) { c.nodes[0].address = "localhost:7101"; }, "address");
  check([](zone_config& c) { c.nodes[0].address = "127.0.0.1:70000"; }, "address");
  check([](zone_config& c) { c.state_nodes = {"n1", "n2"}; }, "1, 3 or 5");
  check([](zone_config& c) { c.state_nodes = {"n1", "n2", "N9"}; }, "state node");
  check([](zone_config& c) { c.state_nodes.clear(); }, "1, 3 or 5");
  check([](zone_config& c) { c.revoked_keys = {c.nodes[0].public_key}; }, "revoked");
  check([](zone_config& c) { c.nodes[0].public_key = c.owner_key; }, "owner key");
  BOOST_TEST(validate(three_nodes(owner)).is_ok());
  // A state node not yet activated is named before it is listed.
  auto pending = three_nodes(owner);
  pending.nodes.pop_back();
  BOOST_TEST(validate(pending).is_ok());
}

BOOST_AUTO_TEST_CASE(updates_must_be_newer_keep_revocations_and_revoke_replaced_keys) {
  auto owner = key(100);
  auto current = three_nodes(owner);
  current.version = 5;
  auto next = current;
  next.version = 5;
  BOOST_TEST(check_zone_update(current, next).message().find("not newer") != std::string::npos);
  next.version = 4;
  BOOST_TEST(check_zone_update(current, next).message().find("not newer") != std::string::npos);
  next.version = 6;
  BOOST_TEST(check_zone_update(current, next).is_ok());
  // n2's machine died: a new key under the same node_id, the old one revoked.
  auto replaced = next;
  replaced.nodes[1].public_key = key(22).public_part().to_text();
  BOOST_TEST(check_zone_update(current, replaced).message().find("not revoked") != std::string::npos);
  replaced.revoked_keys.push_back(current.nodes[1].public_key);
  BOOST_TEST(check_zone_update(current, replaced).is_ok());
  // Revoked stays revoked; the zone and its owner stay the same.
  auto forgetful = replaced;
  forgetful.version = 7;
  forgetful.revoked_keys.clear();
  BOOST_TEST(check_zone_update(replaced, forgetful).message().find("un-revokes") != std::string::npos);
  auto other_zone = next;
  other_zone.zone_id = "other.example";
  BOOST_TEST(check_zone_update(current, other_zone).message().find("zone") != std::string::npos);
  // A removed node's key is revoked; the state nodes stay those the zone began with.
  auto removed = next;
  removed.nodes.erase(removed.nodes.begin());
  BOOST_TEST(check_zone_update(current, removed).message().find("removed") != std::string::npos);
  removed.revoked_keys.push_back(current.nodes[0].public_key);
  BOOST_TEST(check_zone_update(current, removed).is_ok());
  auto moved = next;
  moved.state_nodes = {"n1"};
  BOOST_TEST(check_zone_update(current, moved).message().find("state nodes") != std::string::npos);
  auto other_owner = next;
  other_owner.owner_key = key(101).public_part().to_text();
  BOOST_TEST(check_zone_update(current, other_owner).message().find("owner") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_zone_config_crosses_dns_txt_in_any_order_and_broken_records_are_refused) {
  auto owner = key(100);
  auto config = three_nodes(owner);
  for (std::uint8_t n = 4; n <= 5; ++n) {
    config.nodes.push_back({"n" + std::to_string(n), key(n).public_part().to_text(), "10.0.0." + std::to_string(n) + ":7100"});
  }
  config.state_nodes = {"n1", "n2", "n3", "n4", "n5"};
  auto document = *sign_zone_config(config, owner);
  auto strings = zone_config_txt_strings(document);
  BOOST_TEST(strings.size() > 1u);
  for (const auto& s : strings) BOOST_TEST(s.size() <= 255u);
  BOOST_TEST(zone_config_txt_name("home.example") == "_bucky.home.example");
  // Resolvers return strings in any order, mixed with other TXT data.
  auto shuffled = strings;
  std::reverse(shuffled.begin(), shuffled.end());
  shuffled.insert(shuffled.begin() + 1, "v=spf1 -all");
  auto parsed = parse_zone_config_txt(shuffled);
  BOOST_TEST_REQUIRE(parsed.has_value(), parsed.error().to_string());
  auto verified = verify_zone_config(*parsed, owner.public_part());
  BOOST_TEST_REQUIRE(verified.has_value());
  BOOST_TEST(verified->nodes.size() == 5u);

  auto missing = strings;
  missing.pop_back();
  BOOST_TEST(parse_zone_config_txt(missing).error().message().find("parts present") != std::string::npos);
  auto twice = strings;
  twice.push_back(strings.front());
  BOOST_TEST(parse_zone_config_txt(twice).error().message().find("twice") != std::string::npos);
  BOOST_TEST(parse_zone_config_txt({"v=spf1 -all"}).error().message().find("no \"bucky1\"") != std::string::npos);
  BOOST_TEST(!parse_zone_config_txt({"bucky1 1/0 AAAA"}).has_value());
  BOOST_TEST(!parse_zone_config_txt({"bucky1 x/1 AAAA"}).has_value());
  // A chunk altered in transit reassembles, but the signature refuses it.
  auto altered = strings;
  altered[0].back() = altered[0].back() == 'A' ? 'B' : 'A';
  auto reparsed = parse_zone_config_txt(altered);
  BOOST_TEST(!(reparsed && verify_zone_config(*reparsed, owner.public_part()).has_value()));
}
