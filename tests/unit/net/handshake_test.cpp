// The handshake state machine against a peer that sends a low-order X25519 point as
// its ephemeral key: crypto_kx refuses such points, and the handshake must refuse
// them too (issue 18 #6) instead of deriving its keys from zeros and public data.
#define BOOST_TEST_MODULE net_handshake
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include <random>

#include "net/handshake.hpp"
#include "tests/support/seeded_random.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::net;

using bucky::testing::seeded;

namespace {

using point = std::array<std::uint8_t, 32>;



point from_hex(const char* hex) {
  point out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(std::stoi(std::string(hex + 2 * i, 2), nullptr, 16));
  }
  return out;
}

// Points of order 1, 2, 4 and 8 on Curve25519 (libsodium's own blocklist).
std::vector<point> low_order_points() {
  return {from_hex("0000000000000000000000000000000000000000000000000000000000000000"),
          from_hex("0100000000000000000000000000000000000000000000000000000000000000"),
          from_hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
          from_hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
          from_hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")};
}

peer_authorizer allow_all() {
  return [](const public_key& key) -> std::optional<peer_identity> {
    return peer_identity{peer_identity::kind::node, "n", key};
  };
}

bool names_low_order(const status& s) { return s.message().find("low-order") != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(a_responder_refuses_a_low_order_ephemeral_in_the_hello) {
  for (const auto& bad : low_order_points()) {
    auto responder = handshake::responder(bucky::testing::key(2), "home", allow_all(), seeded(2));
    bytes hello(4 + bad.size());  // "BKY1" then the point (built so, GCC 12 warns on insert)
    std::copy_n("BKY1", 4, hello.begin());
    std::copy(bad.begin(), bad.end(), hello.begin() + 4);
    auto outcome = responder.on_frame(hello);
    BOOST_TEST(!outcome.is_ok());
    BOOST_TEST((outcome.code() == status_code::permission_denied));
    BOOST_TEST(names_low_order(outcome), outcome.message());
    BOOST_TEST(responder.take_frames().empty());  // nothing sealed under a public key goes out
    BOOST_TEST(!responder.done());
  }
}

BOOST_AUTO_TEST_CASE(an_initiator_refuses_a_low_order_ephemeral_in_the_response) {
  auto responder_key = bucky::testing::key(2);
  for (const auto& bad : low_order_points()) {
    auto initiator = handshake::initiator(bucky::testing::key(1), "home", responder_key.public_part(), allow_all(), seeded(1));
    BOOST_TEST_REQUIRE(initiator.take_frames().size() == 1u);
    // A well-formed response size: the point, then what would be the sealed identity.
    bytes response(bad.begin(), bad.end());
    response.resize(32 + public_key_bytes + signature_bytes + stream_header_bytes +
                        crypto_aead_xchacha20poly1305_ietf_ABYTES,
                    0x5a);
    auto outcome = initiator.on_frame(response);
    BOOST_TEST(!outcome.is_ok());
    BOOST_TEST(names_low_order(outcome), outcome.message());
    BOOST_TEST(initiator.take_frames().empty());
  }
}

BOOST_AUTO_TEST_CASE(a_handshake_with_honest_ephemerals_still_finishes) {
  auto initiator = handshake::initiator(bucky::testing::key(1), "home", bucky::testing::key(2).public_part(), allow_all(), seeded(1));
  auto responder = handshake::responder(bucky::testing::key(2), "home", allow_all(), seeded(2));
  for (auto& frame : initiator.take_frames()) BOOST_TEST_REQUIRE(responder.on_frame(frame).is_ok());
  for (auto& frame : responder.take_frames()) BOOST_TEST_REQUIRE(initiator.on_frame(frame).is_ok());
  for (auto& frame : initiator.take_frames()) BOOST_TEST_REQUIRE(responder.on_frame(frame).is_ok());
  BOOST_TEST(initiator.done());
  BOOST_TEST(responder.done());
}
