// peer_directory: the hand-written peers file, parsed strictly with file and line.
#define BOOST_TEST_MODULE net_peer_directory
#include <boost/test/unit_test.hpp>

#include "net/backoff.hpp"
#include "net/peer_directory.hpp"

#include <cstring>

using namespace bucky;
using namespace bucky::net;

namespace {

std::string key_text(std::uint16_t value) {
  std::array<std::uint8_t, seed_bytes> seed;
  seed.fill(static_cast<std::uint8_t>(value));
  seed[0] = static_cast<std::uint8_t>(value >> 8);
  return key_pair::from_seed(seed).public_part().to_text();
}

std::string parse_error(const std::string& text) {
  auto parsed = peer_directory::parse(text, "peers");
  BOOST_TEST_REQUIRE(!parsed.has_value(), "accepted:\n" << text);
  return parsed.error().message();
}

}  // namespace

BOOST_AUTO_TEST_CASE(nodes_and_admins_parse_with_comments_and_blank_lines) {
  std::string text = "# zone peers\n\nnode n1 " + key_text(1) + " 127.0.0.1:7101\n" +
                     "node n-2 " + key_text(2) + "   [::1]:7102   \n" + "\tadmin owner " + key_text(3) + "\n";
  auto parsed = peer_directory::parse(text, "peers");
  BOOST_TEST_REQUIRE(parsed.has_value(), parsed.error().to_string());
  BOOST_TEST(parsed->entries().size() == 3u);
  BOOST_TEST(parsed->node("n1")->port == 7101);
  BOOST_TEST(parsed->node("n-2")->host == "::1");
  BOOST_TEST(!parsed->node("owner"));  // an admin is not a node
  auto owner = parsed->authorize(*public_key::from_text(key_text(3)));
  BOOST_TEST_REQUIRE(owner.has_value());
  BOOST_TEST((owner->role == peer_identity::kind::admin));
  BOOST_TEST(!parsed->authorize(*public_key::from_text(key_text(4))).has_value());
  auto again = peer_directory::parse(parsed->to_text(), "round trip");
  BOOST_TEST_REQUIRE(again.has_value(), again.error().to_string());
  BOOST_TEST(again->to_text() == parsed->to_text());
}

BOOST_AUTO_TEST_CASE(every_mistake_names_the_line) {
  auto k1 = key_text(1), k2 = key_text(2);
  BOOST_TEST(parse_error("node n1 " + k1 + " 127.0.0.1:1\nfriend n2 " + k2).find("peers line 2") != std::string::npos);
  BOOST_TEST(parse_error("node n1 " + k1).find("peers line 1: expected 'node <node_id>") != std::string::npos);
  BOOST_TEST(parse_error("node N1 " + k1 + " 127.0.0.1:1").find("name 'N1'") != std::string::npos);
  BOOST_TEST(parse_error("node -n " + k1 + " 127.0.0.1:1").find("name") != std::string::npos);
  BOOST_TEST(parse_error("node n1 nokey 127.0.0.1:1").find("public key") != std::string::npos);
  BOOST_TEST(parse_error("node n1 " + k1 + " example.com:1").find("not an IP address") != std::string::npos);
  BOOST_TEST(parse_error("node n1 " + k1 + " 127.0.0.1:0").find("port '0'") != std::string::npos);
  BOOST_TEST(parse_error("node n1 " + k1 + " 127.0.0.1:70000").find("port") != std::string::npos);
  BOOST_TEST(parse_error("node n1 " + k1 + " 127.0.0.1").find("<ip>:<port>") != std::string::npos);
  BOOST_TEST(parse_error("admin a " + k1 + " extra").find("expected 'admin") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(duplicate_names_and_keys_are_refused) {
  auto k1 = key_text(1), k2 = key_text(2);
  BOOST_TEST(parse_error("node n1 " + k1 + " 127.0.0.1:1\nnode n1 " + k2 + " 127.0.0.1:2").find("appears twice") !=
             std::string::npos);
  BOOST_TEST(parse_error("node n1 " + k1 + " 127.0.0.1:1\nadmin a " + k1).find("also the key of 'n1'") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(more_peers_than_the_limit_are_refused) {
  std::string text;
  for (int i = 0; i <= static_cast<int>(net::limits::peers_max); ++i) {
    text += "admin a" + std::to_string(i) + " " + key_text(static_cast<std::uint16_t>(i + 1)) + "\n";
  }
  BOOST_TEST(parse_error(text).find("more than") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(backoff_doubles_with_jitter_up_to_the_max_and_resets) {
  std::uint32_t draw = 0;
  backoff delays([&](std::uint8_t* out, std::size_t size) {
    draw = draw * 1664525u + 1013904223u;
    std::memcpy(out, &draw, std::min(size, sizeof draw));
  }, 100, 5'000);
  std::uint64_t step = 100;
  for (int attempt = 0; attempt < 12; ++attempt) {
    auto delay = delays.next_delay_ms();
    BOOST_TEST(delay >= step / 2);
    BOOST_TEST(delay <= step);
    step = std::min<std::uint64_t>(step * 2, 5'000);
  }
  delays.reset();
  BOOST_TEST(delays.next_delay_ms() <= 100u);
}
