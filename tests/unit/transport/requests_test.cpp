// routing_core, our requests: a call becomes one request on the node's session and
// is answered exactly once (by its reply, a refused send, its deadline, the close
// of its session, or stop); sessions replace each other without moving requests.
#define BOOST_TEST_MODULE transport_requests
#include <boost/test/unit_test.hpp>

#include "tests/unit/transport/routing_test_support.hpp"

using namespace bucky;
using namespace bucky::routing_test;

namespace {

struct n1_with_n2 {
  routing_core core{routing_config{"n1", false, {}}};
  static constexpr std::uint64_t session = 11;

  n1_with_n2() { (void)core.on_session_established(session, node("n2"), true, "127.0.0.1:7002"); }

  std::uint64_t call(std::uint64_t now_ms = 0, std::uint64_t timeout_ms = 5'000) {
    auto accepted = core.on_call(call_to("n2", timeout_ms), now_ms);
    BOOST_TEST_REQUIRE(accepted.has_value(), accepted.error().to_string());
    return accepted->request_id;
  }
  routing_output receive(const bytes& frame, std::uint64_t on_session = session) {
    return core.on_frame(on_session, node("n2"), frame, local_actor);
  }
};

request_answer only_answer(const routing_output& out) {
  BOOST_TEST_REQUIRE(out.answers.size() == 1u);
  return out.answers.front();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_call_to_a_node_without_a_session_fails_at_once_naming_the_node) {
  routing_core core{routing_config{"n1", false, {}}};
  auto refused = core.on_call(call_to("n2"), 0);
  BOOST_TEST_REQUIRE(!refused.has_value());
  BOOST_TEST((refused.error().code() == status_code::unavailable));
  BOOST_TEST(refused.error().message() == "n2/echo: no session with node n2");
  BOOST_TEST(core.pending_requests() == 0u);  // nothing queued for a later session
}

BOOST_AUTO_TEST_CASE(a_cast_to_a_node_without_a_session_is_dropped_and_with_one_goes_out) {
  routing_core core{routing_config{"n1", false, {}}};
  BOOST_TEST(core.on_cast("n2", "paxos", echo_type, {1}).sends.empty());
  (void)core.on_session_established(5, node("n2"), true, "127.0.0.1:7002");
  auto out = core.on_cast("n2", "paxos", echo_type, {1});
  BOOST_TEST_REQUIRE(out.sends.size() == 1u);
  BOOST_TEST(out.sends[0].session_id == 5u);
  BOOST_TEST((out.sends[0].message.kind == envelope_kind::one_way));
  BOOST_TEST(out.sends[0].message.destination_actor == "paxos");
  BOOST_TEST(out.sends[0].tag == 0u);
}

BOOST_AUTO_TEST_CASE(a_call_goes_out_as_one_request_on_the_nodes_session_and_asks_to_wake_at_its_deadline) {
  n1_with_n2 zone;
  auto accepted = zone.core.on_call(call_to("n2", 1'500), 100);
  BOOST_TEST_REQUIRE(accepted.has_value());
  const auto& out = accepted->output;
  BOOST_TEST_REQUIRE(out.sends.size() == 1u);
  const auto& sent = out.sends[0];
  BOOST_TEST(sent.session_id == n1_with_n2::session);
  BOOST_TEST(sent.tag == accepted->request_id);  // a refused send names its request
  BOOST_TEST((sent.message.kind == envelope_kind::request));
  BOOST_TEST(sent.message.request_id == accepted->request_id);
  BOOST_TEST(sent.message.destination_actor == "echo");
  BOOST_TEST(sent.message.source_actor == "17");
  BOOST_TEST((out.wake_after_ms == std::vector<std::uint64_t>{1'500}));
}

BOOST_AUTO_TEST_CASE(request_ids_start_at_one_grow_and_are_never_reused) {
  n1_with_n2 zone;
  std::uint64_t previous = 0;
  for (int round = 0; round < 50; ++round) {
    auto id = zone.call();
    BOOST_TEST(id > previous);
    previous = id;
    if (round % 2 == 0) (void)zone.receive(response_frame(id));  // answered ids stay used
  }
  BOOST_TEST(previous == 50u);
}

BOOST_AUTO_TEST_CASE(a_reply_answers_exactly_its_request_once) {
  n1_with_n2 zone;
  auto first = zone.call();
  auto second = zone.call();
  const auto& answer = only_answer(zone.receive(response_frame(second, {4, 5})));
  BOOST_TEST(answer.request_id == second);
  BOOST_TEST_REQUIRE(answer.outcome.has_value());
  BOOST_TEST((answer.outcome.value().payload == std::vector<std::uint8_t>{4, 5}));
  BOOST_TEST(zone.core.pending_requests() == 1u);  // the first still waits

  auto again = zone.receive(response_frame(second));
  BOOST_TEST(again.answers.empty());
  BOOST_TEST(again.closes.empty());  // a late answer is routine
  BOOST_TEST(logged(again, "late answer"));
  BOOST_TEST(only_answer(zone.receive(response_frame(first))).request_id == first);
}

BOOST_AUTO_TEST_CASE(an_error_reply_fails_its_request_with_the_remotes_words_and_counts_on_the_session) {
  n1_with_n2 zone;
  auto id = zone.call();
  const auto& answer =
      only_answer(zone.receive(error_frame(id, status(status_code::not_found, "no actor 'echo' on node n2"))));
  BOOST_TEST_REQUIRE(!answer.outcome.has_value());
  BOOST_TEST((answer.outcome.error().code() == status_code::not_found));
  BOOST_TEST(answer.outcome.error().message() == "n2/echo: not_found: no actor 'echo' on node n2");
  BOOST_TEST(zone.core.error_answers(n1_with_n2::session) == 1u);
}

BOOST_AUTO_TEST_CASE(a_request_expires_at_its_deadline_with_a_timeout_naming_the_target) {
  n1_with_n2 zone;
  auto early = zone.call(1'000, 200);  // deadline 1200
  auto late = zone.call(1'000, 900);   // deadline 1900
  BOOST_TEST(zone.core.on_tick(1'199).answers.empty());
  const auto& answer = only_answer(zone.core.on_tick(1'200));
  BOOST_TEST(answer.request_id == early);
  BOOST_TEST((answer.outcome.error().code() == status_code::timeout));
  BOOST_TEST(answer.outcome.error().message() == "n2/echo: timeout: no answer from n2/echo in time");
  BOOST_TEST(zone.core.on_tick(1'899).answers.empty());
  BOOST_TEST(only_answer(zone.core.on_tick(5'000)).request_id == late);
  BOOST_TEST(zone.receive(response_frame(early)).answers.empty());  // its answer came too late
}

BOOST_AUTO_TEST_CASE(an_answered_request_does_not_expire_later) {
  n1_with_n2 zone;
  auto id = zone.call(0, 100);
  BOOST_TEST(only_answer(zone.receive(response_frame(id))).request_id == id);
  BOOST_TEST(zone.core.on_tick(100).answers.empty());
}

BOOST_AUTO_TEST_CASE(a_closed_session_fails_its_requests_with_the_reason_and_only_those) {
  n1_with_n2 zone;
  (void)zone.core.on_session_established(12, node("n3"), true, "127.0.0.1:7003");
  auto to_n2 = zone.call();
  auto to_n3 = zone.core.on_call(call_to("n3"), 0)->request_id;
  auto out = zone.core.on_connection_end({n1_with_n2::session, status(status_code::io_error, "connection reset"), {}, {}});
  const auto& answer = only_answer(out);
  BOOST_TEST(answer.request_id == to_n2);
  BOOST_TEST(answer.outcome.error().message() == "n2/echo: unavailable: disconnected from n2: io_error: connection reset");
  BOOST_TEST(logged(out, "session 11 with n2 closed: io_error: connection reset"));
  BOOST_TEST(!zone.core.route("n2").has_value());
  BOOST_TEST(zone.core.pending_requests() == 1u);
  BOOST_TEST(only_answer(zone.receive(response_frame(to_n3), 12)).request_id == to_n3);
}

BOOST_AUTO_TEST_CASE(a_goodbye_is_named_as_such_when_requests_fail) {
  n1_with_n2 zone;
  (void)zone.call();
  auto out = zone.core.on_connection_end({n1_with_n2::session, status::ok(), {}, {}});
  BOOST_TEST(contains(only_answer(out).outcome.error().message(), "disconnected from n2: peer said goodbye"));
}

BOOST_AUTO_TEST_CASE(a_newer_session_takes_the_route_and_closes_the_older_one) {
  n1_with_n2 zone;
  auto out = zone.core.on_session_established(20, node("n2"), false, "127.0.0.1:50000");
  BOOST_TEST_REQUIRE(out.closes.size() == 1u);
  BOOST_TEST(out.closes[0].session_id == n1_with_n2::session);
  BOOST_TEST(out.closes[0].why == "replaced by a newer session");
  BOOST_TEST(*zone.core.route("n2") == 20u);
  BOOST_TEST(zone.core.on_call(call_to("n2"), 0)->output.sends[0].session_id == 20u);
}

BOOST_AUTO_TEST_CASE(requests_on_a_replaced_session_stay_bound_to_it_and_fail_when_it_closes) {
  n1_with_n2 zone;
  auto old_request = zone.call();
  (void)zone.core.on_session_established(20, node("n2"), false, "127.0.0.1:50000");
  auto new_request = zone.call();
  // The old session's close fails only its request and leaves the new route alone.
  auto out = zone.core.on_connection_end({n1_with_n2::session, status(status_code::unavailable, "replaced by a newer session"), {}, {}});
  BOOST_TEST(only_answer(out).request_id == old_request);
  BOOST_TEST(*zone.core.route("n2") == 20u);
  BOOST_TEST(only_answer(zone.receive(response_frame(new_request), 20)).request_id == new_request);
}

BOOST_AUTO_TEST_CASE(an_answer_arriving_on_the_old_session_before_it_closes_still_counts) {
  n1_with_n2 zone;
  auto id = zone.call();
  (void)zone.core.on_session_established(20, node("n2"), false, "127.0.0.1:50000");
  BOOST_TEST(only_answer(zone.receive(response_frame(id), n1_with_n2::session)).request_id == id);
}

BOOST_AUTO_TEST_CASE(an_answer_from_another_session_closes_that_session_and_the_request_keeps_waiting) {
  n1_with_n2 zone;
  (void)zone.core.on_session_established(12, node("n3"), true, "127.0.0.1:7003");
  auto id = zone.call();
  auto out = zone.core.on_frame(12, node("n3"), response_frame(id), local_actor);
  BOOST_TEST(out.answers.empty());
  BOOST_TEST_REQUIRE(out.closes.size() == 1u);
  BOOST_TEST(out.closes[0].session_id == 12u);
  BOOST_TEST(logged(out, "n3 answered request 1 that was sent to another peer"));
  BOOST_TEST(only_answer(zone.receive(response_frame(id))).request_id == id);
}

BOOST_AUTO_TEST_CASE(waiting_requests_are_bounded_and_the_refusal_says_how_many_wait) {
  routing_core core{routing_config{"n1", false, {.pending_requests_max = 3}}};
  (void)core.on_session_established(1, node("n2"), true, "127.0.0.1:7002");
  for (int i = 0; i < 3; ++i) BOOST_TEST(core.on_call(call_to("n2"), 0).has_value());
  auto refused = core.on_call(call_to("n2"), 0);
  BOOST_TEST_REQUIRE(!refused.has_value());
  BOOST_TEST((refused.error().code() == status_code::unavailable));
  BOOST_TEST(refused.error().message() == "n2/echo: 3 requests already waiting for answers");
  (void)core.on_tick(5'000);  // all three expire: room again
  BOOST_TEST(core.on_call(call_to("n2"), 5'000).has_value());
}

BOOST_AUTO_TEST_CASE(a_refused_send_fails_its_request_and_tag_zero_names_none) {
  n1_with_n2 zone;
  auto id = zone.call();
  BOOST_TEST(zone.core.on_send_refused(0, status(status_code::too_large, "send queue full")).answers.empty());
  const auto& answer = only_answer(zone.core.on_send_refused(id, status(status_code::too_large, "send queue full")));
  BOOST_TEST(answer.outcome.error().message() == "n2/echo: too_large: send queue full");
  BOOST_TEST(zone.core.on_tick(10'000).answers.empty());  // answered once, not again at its deadline
}

BOOST_AUTO_TEST_CASE(stop_fails_every_waiting_request_once) {
  n1_with_n2 zone;
  (void)zone.call();
  (void)zone.call();
  auto out = zone.core.stop();
  BOOST_TEST(out.answers.size() == 2u);
  for (const auto& answer : out.answers) BOOST_TEST(answer.outcome.error().message() == "transport stopped");
  BOOST_TEST(zone.core.pending_requests() == 0u);
  BOOST_TEST(zone.core.on_tick(10'000).answers.empty());
}
