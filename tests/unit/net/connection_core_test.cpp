// connection_core: two cores back to back, with an attacker in the middle that can
// drop, alter, replay and reorder frames. No sockets, no clock: time is a number.
#define BOOST_TEST_MODULE net_connection_core
#include <boost/test/unit_test.hpp>

#include <functional>
#include <map>
#include <random>

#include "net/connection_core.hpp"
#include "tests/support/seeded_random.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::net;
using kind = connection_event::kind;

using bucky::testing::seeded;

namespace {



std::vector<bytes> split_frames(const bytes& stream) {
  frame_reader reader(net::limits::frame_size_bytes_max);
  reader.feed(stream);
  std::vector<bytes> frames;
  while (true) {
    auto next = reader.next();
    BOOST_TEST_REQUIRE(next.has_value());
    if (!next->has_value()) return frames;
    frames.emplace_back((**next).begin(), (**next).end());
  }
}

bytes join_frames(const std::vector<bytes>& frames) {
  bytes stream;
  for (auto& frame : frames) append_frame(stream, frame);
  return stream;
}

bytes text(const std::string& s) { return bytes(s.begin(), s.end()); }

struct fixture {
  key_pair n1 = bucky::testing::key(1), n2 = bucky::testing::key(2), stranger = bucky::testing::key(3);
  std::map<public_key, peer_identity> allowed = {
      {n1.public_part(), {peer_identity::kind::node, "n1", n1.public_part()}},
      {n2.public_part(), {peer_identity::kind::node, "n2", n2.public_part()}}};
  peer_authorizer authorize = [this](const public_key& key) -> std::optional<peer_identity> {
    auto found = allowed.find(key);
    if (found == allowed.end()) return std::nullopt;
    return found->second;
  };
  connection_options options;
  std::uint64_t now_ms = 1'000;
  std::vector<connection_event> a_events, b_events;
  // Frames from a to b pass through here (the attacker's seat).
  std::function<std::vector<bytes>(std::vector<bytes>)> a_to_b = [](std::vector<bytes> f) { return f; };

  connection_core dial(const key_pair& self, const public_key& expected) {
    return connection_core::dial(self, expected, authorize, seeded(11), options, now_ms);
  }
  connection_core accept(const key_pair& self) {
    return connection_core::accept(self, authorize, seeded(22), options, now_ms);
  }

  void collect(std::vector<connection_event>& into, std::vector<connection_event> events) {
    for (auto& e : events) into.push_back(std::move(e));
  }

  // Moves bytes both ways until neither side has anything to say.
  void pump(connection_core& a, connection_core& b) {
    for (int round = 0; round < 100; ++round) {
      auto from_a = a.take_output();
      auto from_b = b.take_output();
      if (from_a.empty() && from_b.empty()) return;
      if (!from_a.empty()) collect(b_events, b.on_bytes(join_frames(a_to_b(split_frames(from_a))), now_ms));
      if (!from_b.empty()) collect(a_events, a.on_bytes(from_b, now_ms));
    }
    BOOST_FAIL("pump did not settle");
  }

  // Establishes n1 -> n2, then puts `attacker` on the path from n1 and sends `sent`.
  void attack_after_handshake(std::function<std::vector<bytes>(std::vector<bytes>)> attacker,
                              const std::vector<std::string>& sent) {
    auto a = dial(n1, n2.public_part());
    auto b = accept(n2);
    pump(a, b);
    BOOST_TEST_REQUIRE(b.established());
    a_to_b = std::move(attacker);
    for (auto& message : sent) BOOST_TEST_REQUIRE(a.send(text(message), now_ms).is_ok());
    pump(a, b);
  }

  static std::vector<bytes> messages(const std::vector<connection_event>& events) {
    std::vector<bytes> out;
    for (auto& e : events) {
      if (e.what == kind::message) out.push_back(e.message);
    }
    return out;
  }
  static const connection_event* closed_event(const std::vector<connection_event>& events) {
    for (auto& e : events) {
      if (e.what == kind::closed) return &e;
    }
    return nullptr;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(connection_core_suite, fixture)

BOOST_AUTO_TEST_CASE(handshake_proves_both_identities_and_messages_flow_both_ways) {
  auto a = dial(n1, n2.public_part());
  auto b = accept(n2);
  pump(a, b);
  BOOST_TEST_REQUIRE(a.established());
  BOOST_TEST_REQUIRE(b.established());
  BOOST_TEST(a.peer()->name == "n2");
  BOOST_TEST(b.peer()->name == "n1");
  BOOST_TEST(a.send(text("ping"), now_ms).is_ok());
  BOOST_TEST(b.send(text("pong"), now_ms).is_ok());
  BOOST_TEST(a.send(bytes(64 * 1024, 0xab), now_ms).is_ok());
  pump(a, b);
  auto at_b = messages(b_events);
  BOOST_TEST_REQUIRE(at_b.size() == 2u);
  BOOST_TEST(at_b[0] == text("ping"));
  BOOST_TEST(at_b[1].size() == 64u * 1024u);
  BOOST_TEST(messages(a_events) == std::vector<bytes>{text("pong")});
  BOOST_TEST(!closed_event(a_events));
  BOOST_TEST(!closed_event(b_events));
}

BOOST_AUTO_TEST_CASE(an_unknown_initiator_is_rejected_and_nothing_it_sent_is_delivered) {
  allowed[stranger.public_part()] = {peer_identity::kind::node, "stranger", stranger.public_part()};
  auto a = dial(stranger, n2.public_part());
  allowed.erase(stranger.public_part());  // the responder does not know it
  auto b = accept(n2);
  collect(b_events, b.on_bytes(a.take_output(), now_ms));
  collect(a_events, a.on_bytes(b.take_output(), now_ms));
  BOOST_TEST_REQUIRE(a.established());
  BOOST_TEST(a.send(text("let me in"), now_ms).is_ok());
  collect(b_events, b.on_bytes(a.take_output(), now_ms));
  BOOST_TEST(!b.established());
  BOOST_TEST(messages(b_events).empty());
  auto closed = closed_event(b_events);
  BOOST_TEST_REQUIRE(closed);
  BOOST_TEST((closed->reason.code() == status_code::permission_denied));
  BOOST_TEST(closed->reason.message().find("not allowed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_initiator_refuses_a_responder_with_another_key) {
  auto a = dial(n1, n2.public_part());
  auto b = accept(bucky::testing::key(9));  // someone else answers at n2's address
  allowed[bucky::testing::key(9).public_part()] = {peer_identity::kind::node, "imposter", bucky::testing::key(9).public_part()};
  pump(a, b);
  BOOST_TEST(!a.established());
  auto closed = closed_event(a_events);
  BOOST_TEST_REQUIRE(closed);
  BOOST_TEST(closed->reason.message().find("was expected") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(nodes_of_different_zones_cannot_complete_a_handshake) {
  auto a = dial(n1, n2.public_part());
  options.zone_id = "other.example";
  auto b = accept(n2);
  pump(a, b);
  BOOST_TEST(!a.established());
  BOOST_TEST(closed_event(a_events));
}

BOOST_AUTO_TEST_CASE(an_altered_handshake_message_fails) {
  for (std::size_t flip = 0; flip < 36; flip += 5) {
    a_events.clear();
    b_events.clear();
    auto a = dial(n1, n2.public_part());
    auto b = accept(n2);
    a_to_b = [flip](std::vector<bytes> frames) {
      frames[0][flip] ^= 0x10;
      return frames;
    };
    pump(a, b);
    BOOST_TEST(!(a.established() && b.established()), "flip at " << flip);
  }
}


BOOST_AUTO_TEST_CASE(a_flipped_bit_in_a_data_frame_ends_the_session) {
  attack_after_handshake([](std::vector<bytes> frames) {
    frames.back()[frames.back().size() / 2] ^= 0x01;
    return frames;
  }, {"transfer 10"});
  BOOST_TEST(messages(b_events).empty());
  auto closed = closed_event(b_events);
  BOOST_TEST_REQUIRE(closed);
  BOOST_TEST((closed->reason.code() == status_code::corruption));
}

BOOST_AUTO_TEST_CASE(a_replayed_frame_ends_the_session) {
  attack_after_handshake([](std::vector<bytes> frames) {
    frames.push_back(frames.back());
    return frames;
  }, {"once"});
  BOOST_TEST(messages(b_events) == std::vector<bytes>{text("once")});
  BOOST_TEST_REQUIRE(closed_event(b_events));
  BOOST_TEST((closed_event(b_events)->reason.code() == status_code::corruption));
}

BOOST_AUTO_TEST_CASE(reordered_frames_end_the_session) {
  attack_after_handshake([](std::vector<bytes> frames) {
    std::swap(frames[0], frames[1]);
    return frames;
  }, {"first", "second"});
  BOOST_TEST(messages(b_events).empty());
  BOOST_TEST_REQUIRE(closed_event(b_events));
}

BOOST_AUTO_TEST_CASE(a_dropped_frame_is_detected_at_the_next_one) {
  attack_after_handshake([](std::vector<bytes> frames) {
    frames.erase(frames.begin());
    return frames;
  }, {"lost", "after"});
  BOOST_TEST(messages(b_events).empty());
  BOOST_TEST_REQUIRE(closed_event(b_events));
}

BOOST_AUTO_TEST_CASE(an_oversized_length_ends_the_session_before_allocating) {
  auto a = dial(n1, n2.public_part());
  auto b = accept(n2);
  pump(a, b);
  collect(b_events, b.on_bytes(bytes{0x7f, 0xff, 0xff, 0xff}, now_ms));
  BOOST_TEST_REQUIRE(closed_event(b_events));
  BOOST_TEST((closed_event(b_events)->reason.code() == status_code::too_large));
}

BOOST_AUTO_TEST_CASE(goodbye_closes_cleanly_and_truncation_is_a_disconnect) {
  auto a = dial(n1, n2.public_part());
  auto b = accept(n2);
  pump(a, b);
  collect(a_events, a.close("node stopping"));
  pump(a, b);
  BOOST_TEST_REQUIRE(closed_event(b_events));
  BOOST_TEST(closed_event(b_events)->reason.is_ok());

  auto c = dial(n1, n2.public_part());
  auto d = accept(n2);
  b_events.clear();
  pump(c, d);
  BOOST_TEST(c.send(text("half"), now_ms).is_ok());
  auto out = c.take_output();
  out.resize(out.size() - 3);
  collect(b_events, d.on_bytes(out, now_ms));
  BOOST_TEST(messages(b_events).empty());
  collect(b_events, d.on_disconnect("connection reset"));
  BOOST_TEST_REQUIRE(closed_event(b_events));
  BOOST_TEST((closed_event(b_events)->reason.code() == status_code::unavailable));
}

BOOST_AUTO_TEST_CASE(handshake_times_out) {
  auto b = accept(n2);
  BOOST_TEST(b.on_tick(now_ms + options.handshake_timeout_ms - 1).empty());
  auto events = b.on_tick(now_ms + options.handshake_timeout_ms);
  BOOST_TEST_REQUIRE(closed_event(events));
  BOOST_TEST((closed_event(events)->reason.code() == status_code::timeout));
}

BOOST_AUTO_TEST_CASE(keepalives_keep_an_idle_session_alive_and_silence_ends_it) {
  auto a = dial(n1, n2.public_part());
  auto b = accept(n2);
  pump(a, b);
  for (int second = 0; second < 60; ++second) {
    now_ms += 1'000;
    collect(a_events, a.on_tick(now_ms));
    collect(b_events, b.on_tick(now_ms));
    pump(a, b);
  }
  BOOST_TEST(!closed_event(a_events));
  BOOST_TEST(!closed_event(b_events));
  // Now b hears nothing more from a.
  now_ms += options.idle_timeout_ms;
  collect(b_events, b.on_tick(now_ms));
  BOOST_TEST_REQUIRE(closed_event(b_events));
  BOOST_TEST(closed_event(b_events)->reason.message().find("silent") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_full_send_queue_refuses_more_until_drained) {
  options.send_queue_bytes_max = 200'000;
  auto a = dial(n1, n2.public_part());
  auto b = accept(n2);
  pump(a, b);
  int accepted = 0;
  status refused;
  for (int i = 0; i < 10 && refused.is_ok(); ++i) {
    refused = a.send(bytes(64 * 1024, 1), now_ms);
    if (refused.is_ok()) ++accepted;
  }
  BOOST_TEST(accepted == 3);
  BOOST_TEST((refused.code() == status_code::unavailable));
  BOOST_TEST(a.output_bytes() <= options.send_queue_bytes_max);
  pump(a, b);  // the peer read everything
  BOOST_TEST(a.send(bytes(64 * 1024, 1), now_ms).is_ok());
  BOOST_TEST(!closed_event(b_events));
}

BOOST_AUTO_TEST_CASE(oversized_and_empty_messages_are_refused_by_send) {
  auto a = dial(n1, n2.public_part());
  auto b = accept(n2);
  BOOST_TEST((a.send(text("early"), now_ms).code() == status_code::unavailable));
  pump(a, b);
  BOOST_TEST((a.send(bytes(options.message_size_bytes_max + 1, 0), now_ms).code() == status_code::too_large));
  BOOST_TEST((a.send(bytes{}, now_ms).code() == status_code::too_large));
  BOOST_TEST(a.send(bytes(options.message_size_bytes_max, 0), now_ms).is_ok());
}

BOOST_AUTO_TEST_CASE(same_seeds_give_the_same_handshake_bytes) {
  auto a1 = dial(n1, n2.public_part());
  auto a2 = dial(n1, n2.public_part());
  BOOST_TEST(a1.take_output() == a2.take_output());
}

BOOST_AUTO_TEST_SUITE_END()
