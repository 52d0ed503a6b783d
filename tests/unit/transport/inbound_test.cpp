// routing_core, what peers send: requests are refused in words or handed to their
// actor within a bound, one-way messages come only from nodes, a malformed
// envelope ends its own session, and failed handshakes are logged without flooding.
#define BOOST_TEST_MODULE transport_inbound
#include <boost/test/unit_test.hpp>

#include "tests/unit/transport/routing_test_support.hpp"

using namespace bucky;
using namespace bucky::routing_test;

namespace {

struct n1_serving {
  routing_core core;
  explicit n1_serving(routing_limits limits = {}) : core(routing_config{"n1", false, limits}) {
    (void)core.on_session_established(3, node("n2"), false, "127.0.0.1:7002");
  }
};

// The error a reply carries, decoded as the asking peer would.
status error_in(const frame_send& sent) {
  BOOST_TEST_REQUIRE((sent.message.kind == envelope_kind::error));
  auto decoded = decode<error_reply>(sent.message.payload);
  BOOST_TEST_REQUIRE(decoded.has_value());
  return decoded->to_status();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_request_for_a_local_actor_is_handed_to_it_with_the_proven_caller) {
  n1_serving zone;
  auto out = zone.core.on_frame(3, node("n2"), request_frame(8, "echo"), local_actor);
  BOOST_TEST(out.sends.empty());
  BOOST_TEST_REQUIRE(out.serves.size() == 1u);
  BOOST_TEST(out.serves[0].session_id == 3u);
  BOOST_TEST((out.serves[0].from.role == caller::kind::node));
  BOOST_TEST(out.serves[0].from.name == "n2");
  BOOST_TEST(out.serves[0].request.request_id == 8u);

  auto replied = zone.core.on_served(3, out.serves[0].request, encoded_message{6, {1}});
  BOOST_TEST_REQUIRE(replied.sends.size() == 1u);
  const auto& reply = replied.sends[0].message;
  BOOST_TEST((reply.kind == envelope_kind::response));
  BOOST_TEST(reply.request_id == 8u);
  BOOST_TEST(reply.destination_actor == "42");  // back to the asking actor
  BOOST_TEST(reply.source_actor == "echo");
}

BOOST_AUTO_TEST_CASE(the_owner_key_is_served_as_the_owner_and_other_admins_as_admins) {
  n1_serving zone;
  (void)zone.core.on_session_established(4, admin("owner"), false, "127.0.0.1:50001");
  (void)zone.core.on_session_established(5, admin("alice"), false, "127.0.0.1:50002");
  auto owner = zone.core.on_frame(4, admin("owner"), request_frame(1, "echo"), local_actor);
  auto alice = zone.core.on_frame(5, admin("alice"), request_frame(1, "echo"), local_actor);
  BOOST_TEST((owner.serves.at(0).from.role == caller::kind::owner));
  BOOST_TEST((alice.serves.at(0).from.role == caller::kind::admin));
}

BOOST_AUTO_TEST_CASE(an_unknown_actor_gets_a_not_found_reply_naming_actor_and_node) {
  n1_serving zone;
  auto out = zone.core.on_frame(3, node("n2"), request_frame(8, "nobody"), local_actor);
  BOOST_TEST(out.serves.empty());
  BOOST_TEST_REQUIRE(out.sends.size() == 1u);
  auto failure = error_in(out.sends[0]);
  BOOST_TEST((failure.code() == status_code::not_found));
  BOOST_TEST(failure.message() == "no actor 'nobody' on node n1");
  BOOST_TEST(zone.core.error_answers(3) == 1u);
}

BOOST_AUTO_TEST_CASE(a_name_longer_than_any_actor_name_is_never_looked_up) {
  n1_serving zone;
  bool asked = false;
  auto lookup = [&](const std::string&) { return asked = true; };
  auto out = zone.core.on_frame(3, node("n2"), request_frame(8, std::string(limits::actor_name_bytes_max + 1, 'a')),
                                lookup);
  BOOST_TEST(!asked);
  BOOST_TEST((error_in(out.sends.at(0)).code() == status_code::not_found));
}

BOOST_AUTO_TEST_CASE(a_guest_may_reach_only_the_activation_actor) {
  n1_serving zone;
  (void)zone.core.on_session_established(6, guest("guest-abc"), false, "127.0.0.1:50003");
  auto refused = zone.core.on_frame(6, guest("guest-abc"), request_frame(1, "echo"), local_actor);
  BOOST_TEST(refused.serves.empty());
  auto failure = error_in(refused.sends.at(0));
  BOOST_TEST((failure.code() == status_code::permission_denied));
  BOOST_TEST(contains(failure.message(), "node n1 does not know key " + key_of("guest-abc").to_text()));
  BOOST_TEST(contains(failure.message(), "a guest may only reach 'activation'"));
  auto served = zone.core.on_frame(6, guest("guest-abc"), request_frame(2, guest_actor), local_actor);
  BOOST_TEST((served.serves.at(0).from.role == caller::kind::guest));
}

BOOST_AUTO_TEST_CASE(requests_being_served_are_bounded_and_a_served_one_frees_its_place) {
  n1_serving zone({.inbound_requests_max = 2});
  auto first = zone.core.on_frame(3, node("n2"), request_frame(1, "echo"), local_actor);
  (void)zone.core.on_frame(3, node("n2"), request_frame(2, "echo"), local_actor);
  auto busy = zone.core.on_frame(3, node("n2"), request_frame(3, "echo"), local_actor);
  BOOST_TEST(busy.serves.empty());
  auto failure = error_in(busy.sends.at(0));
  BOOST_TEST((failure.code() == status_code::unavailable));
  BOOST_TEST(failure.message() == "node n1 is busy: 2 requests in progress");
  BOOST_TEST(busy.sends[0].message.request_id == 3u);

  (void)zone.core.on_served(3, first.serves.at(0).request, status(status_code::timeout, "echo did not answer"));
  BOOST_TEST(zone.core.inbound_in_progress() == 1u);
  BOOST_TEST(zone.core.on_frame(3, node("n2"), request_frame(4, "echo"), local_actor).serves.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_reply_on_a_session_closed_meanwhile_is_still_sent_but_not_counted) {
  n1_serving zone;
  auto out = zone.core.on_frame(3, node("n2"), request_frame(1, "echo"), local_actor);
  (void)zone.core.on_connection_end({3, status::ok(), {}, {}});
  auto replied = zone.core.on_served(3, out.serves.at(0).request, status(status_code::internal, "broke"));
  BOOST_TEST(replied.sends.size() == 1u);  // tcp_io refuses it: the session is gone
  BOOST_TEST(zone.core.error_answers(3) == 0u);
}

BOOST_AUTO_TEST_CASE(a_malformed_envelope_closes_only_its_session) {
  n1_serving zone;
  auto out = zone.core.on_frame(3, node("n2"), bytes{0xc1, 0x00}, local_actor);
  BOOST_TEST_REQUIRE(out.closes.size() == 1u);
  BOOST_TEST(out.closes[0].session_id == 3u);
  BOOST_TEST(out.closes[0].why == "malformed envelope");
  BOOST_TEST(out.log.at(0).text.starts_with("closing session 3 with n2: "));
  BOOST_TEST((out.log.at(0).level == routing_log_level::warn));
}

BOOST_AUTO_TEST_CASE(a_nodes_one_way_message_goes_to_its_actor_and_one_for_no_actor_is_dropped) {
  n1_serving zone;
  auto out = zone.core.on_frame(3, node("n2"), one_way_frame("echo"), local_actor);
  BOOST_TEST_REQUIRE(out.deliveries.size() == 1u);
  BOOST_TEST(out.deliveries[0].peer == "n2");
  BOOST_TEST(out.deliveries[0].message.destination_actor == "echo");
  auto dropped = zone.core.on_frame(3, node("n2"), one_way_frame("nobody"), local_actor);
  BOOST_TEST(dropped.deliveries.empty());
  BOOST_TEST(dropped.closes.empty());  // the protocol above retransmits
  BOOST_TEST(logged(dropped, "no actor 'nobody'"));
}

BOOST_AUTO_TEST_CASE(one_way_messages_from_admins_and_guests_close_their_session) {
  n1_serving zone;
  for (const auto& peer : {admin("alice"), guest("guest-abc")}) {
    auto out = zone.core.on_frame(9, peer, one_way_frame("echo"), local_actor);
    BOOST_TEST(out.deliveries.empty());
    BOOST_TEST_REQUIRE(out.closes.size() == 1u);
    BOOST_TEST(out.closes[0].why == "admins may not send one-way messages");
  }
}

BOOST_AUTO_TEST_CASE(an_undeliverable_one_way_message_closes_its_session_with_the_reason) {
  n1_serving zone;
  auto out = zone.core.on_undeliverable(3, "n2", status(status_code::unsupported, "no one-way type 999"));
  BOOST_TEST(out.closes.at(0).why == "undeliverable one-way message");
  BOOST_TEST(logged(out, "closing session 3 with n2: unsupported: no one-way type 999"));
}

BOOST_AUTO_TEST_CASE(a_refused_dial_is_routine_and_a_failed_proof_is_warned_once_then_every_hundredth_time) {
  routing_core core{routing_config{"n1", false, {}}};
  auto refused = core.on_connection_end({7, status(status_code::unavailable, "connection refused"), "n2", "127.0.0.1:7002"});
  BOOST_TEST_REQUIRE(refused.log.size() == 1u);
  BOOST_TEST((refused.log[0].level == routing_log_level::debug));

  std::vector<std::uint64_t> warned_at;
  for (std::uint64_t i = 1; i <= 200; ++i) {
    auto out = core.on_connection_end({100 + i, status(status_code::permission_denied, "unknown key"), {}, "10.0.0.9:4000"});
    if (out.log.empty()) continue;
    BOOST_TEST((out.log[0].level == routing_log_level::warn));
    BOOST_TEST(contains(out.log[0].text, "rejected connection from 10.0.0.9:4000"));
    warned_at.push_back(i);
  }
  BOOST_TEST((warned_at == std::vector<std::uint64_t>{1, 100, 200}));
}

BOOST_AUTO_TEST_CASE(an_admin_client_reports_failed_proofs_at_info) {
  routing_core core{routing_config{"owner", true, {}}};
  auto out = core.on_connection_end({7, status(status_code::permission_denied, "key not trusted"), "n2", "127.0.0.1:7002"});
  BOOST_TEST((out.log.at(0).level == routing_log_level::info));
  BOOST_TEST(contains(out.log[0].text, "rejected connection to node n2 at 127.0.0.1:7002"));
}
