// messages/ codec: round trips, and hostile input that must come back as a status.
#define BOOST_TEST_MODULE messages_codec
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <optional>
#include <random>

#include "messages/actor_table.hpp"
#include "messages/codec.hpp"
#include "messages/envelope.hpp"
#include "messages/error_reply.hpp"

using namespace bucky;

namespace {

actor_table sample_table() {
  actor_table table;
  table.node_id = "n1";
  table.captured_unix_ms = 1'764'000'000'123;
  table.restarts_max = 5;
  table.restart_period_ms = 10'000;
  table.restarts_in_period = 2;
  table.actors.push_back({"transport", actor_state::running, 3, "boom", 1'764'000'000'000, 42, 0});
  table.actors.push_back({"paxos", actor_state::restarting, 1, "", 0, 7, -1});
  return table;
}

envelope sample_envelope() {
  envelope message;
  message.kind = envelope_kind::request;
  message.type = static_cast<std::uint16_t>(message_type::actor_table);
  message.source_actor = "n1/node_daemon";
  message.destination_actor = "n2/inspector";
  message.request_id = 99;
  message.payload = encode(sample_table());
  return message;
}

// Decoding `input` must fail; the status says why.
template <class T>
status decode_status(const bytes& input) {
  auto decoded = decode<T>(input);
  BOOST_TEST_REQUIRE(!decoded.has_value());
  return decoded.error();
}

}  // namespace

BOOST_AUTO_TEST_CASE(actor_table_round_trips) {
  auto original = sample_table();
  auto decoded = decode<actor_table>(encode(original));
  BOOST_TEST_REQUIRE(decoded.has_value(), decoded.error().to_string());
  BOOST_TEST(decoded->node_id == "n1");
  BOOST_TEST(decoded->restarts_in_period == 2u);
  BOOST_TEST_REQUIRE(decoded->actors.size() == 2u);
  BOOST_TEST(decoded->actors[0].name == "transport");
  BOOST_TEST((decoded->actors[0].state == actor_state::running));
  BOOST_TEST(decoded->actors[0].last_crash_reason == "boom");
  BOOST_TEST(decoded->actors[1].mailbox_size == -1);
  BOOST_TEST((decoded->actors[1].state == actor_state::restarting));
}

BOOST_AUTO_TEST_CASE(envelope_round_trips_with_its_payload) {
  auto decoded = decode<envelope>(encode(sample_envelope()));
  BOOST_TEST_REQUIRE(decoded.has_value(), decoded.error().to_string());
  BOOST_TEST(decoded->request_id == 99u);
  BOOST_TEST(decoded->destination_actor == "n2/inspector");
  auto inner = decode<actor_table>(decoded->payload);
  BOOST_TEST_REQUIRE(inner.has_value());
  BOOST_TEST(inner->actors.size() == 2u);
}

// The transport tells a request from a one-way message by its first three bytes
// (actors/transport/actor.cpp, maybe_one_way): a fixarray of 7, the version, the kind.
BOOST_AUTO_TEST_CASE(an_envelope_starts_with_a_fixarray_of_seven_then_version_then_kind) {
  for (auto kind : {envelope_kind::one_way, envelope_kind::request, envelope_kind::response, envelope_kind::error}) {
    envelope message = sample_envelope();
    message.kind = kind;
    const bytes wire = encode(message);
    BOOST_TEST_REQUIRE(wire.size() > 3u);
    BOOST_TEST(wire[0] == 0x97);
    BOOST_TEST(wire[1] == envelope_version);
    BOOST_TEST(wire[2] == static_cast<std::uint8_t>(kind));
  }
}

// Decoded strings and binaries are copies: the input may go away after decode().
BOOST_AUTO_TEST_CASE(a_decoded_message_outlives_its_input) {
  std::optional<envelope> kept;
  {
    bytes wire = encode(sample_envelope());
    auto decoded = decode<envelope>(wire);
    BOOST_TEST_REQUIRE(decoded.has_value());
    kept = std::move(*decoded);
    std::fill(wire.begin(), wire.end(), std::uint8_t{0xee});
  }
  BOOST_TEST(kept->destination_actor == "n2/inspector");
  BOOST_TEST((kept->payload == sample_envelope().payload));
  auto inner = decode<actor_table>(kept->payload);
  BOOST_TEST_REQUIRE(inner.has_value());
  BOOST_TEST(inner->actors.size() == 2u);
}

BOOST_AUTO_TEST_CASE(error_reply_round_trips_a_status) {
  status failure(status_code::not_found, "no actor 'paxos' on node n2");
  auto decoded = decode<error_reply>(encode(error_reply::from(failure)));
  BOOST_TEST_REQUIRE(decoded.has_value());
  BOOST_TEST(decoded->to_status().to_string() == failure.to_string());
}

BOOST_AUTO_TEST_CASE(every_truncation_is_an_error_not_a_crash) {
  auto full = encode(sample_envelope());
  for (std::size_t size = 0; size < full.size(); ++size) {
    bytes prefix(full.begin(), full.begin() + static_cast<long>(size));
    auto decoded = decode<envelope>(prefix);
    BOOST_TEST_REQUIRE(!decoded.has_value(), "prefix of " << size << " bytes decoded");
  }
}

BOOST_AUTO_TEST_CASE(trailing_bytes_are_refused) {
  auto input = encode(sample_table());
  input.push_back(0xc0);
  auto failure = decode_status<actor_table>(input);
  BOOST_TEST(failure.message().find("trailing") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(oversized_input_is_refused_before_parsing) {
  bytes huge(limits::message_size_bytes_max + 1, 0x90);
  auto failure = decode_status<envelope>(huge);
  BOOST_TEST((failure.code() == status_code::too_large));
  BOOST_TEST(failure.message().find("envelope") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_huge_declared_array_is_refused_by_the_unpack_limit) {
  // array32 header claiming 4 billion elements, followed by nothing.
  bytes input = {0xdd, 0xff, 0xff, 0xff, 0xff};
  auto failure = decode_status<actor_table>(input);
  BOOST_TEST((failure.code() == status_code::invalid_argument));
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_refused) {
  bytes input(200, 0x91);  // fixarray(1) nested 200 deep
  input.push_back(0x00);
  BOOST_TEST(!decode_status<actor_table>(input).is_ok());
}

BOOST_AUTO_TEST_CASE(wrong_shape_is_an_error) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, std::string("not an envelope"));
  bytes input(buffer.data(), buffer.data() + buffer.size());
  auto failure = decode_status<envelope>(input);
  BOOST_TEST(failure.message().find("wrong shape") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(semantic_bounds_are_checked_after_decoding) {
  auto bad_version = sample_envelope();
  bad_version.version = 7;
  BOOST_TEST(decode_status<envelope>(encode(bad_version)).message().find("version 7") !=
             std::string::npos);
  auto no_destination = sample_envelope();
  no_destination.destination_actor.clear();
  BOOST_TEST(!decode_status<envelope>(encode(no_destination)).is_ok());
  auto long_name = sample_table();
  long_name.actors[0].name = "much_too_long_name";
  BOOST_TEST(!decode_status<actor_table>(encode(long_name)).is_ok());
  auto bad_state = sample_table();
  bad_state.actors[0].state = static_cast<actor_state>(42);
  BOOST_TEST(!decode_status<actor_table>(encode(bad_state)).is_ok());
  auto bad_kind = sample_envelope();
  bad_kind.kind = static_cast<envelope_kind>(9);
  BOOST_TEST(!decode_status<envelope>(encode(bad_kind)).is_ok());
  auto one_way_with_id = sample_envelope();
  one_way_with_id.kind = envelope_kind::one_way;
  BOOST_TEST(!decode_status<envelope>(encode(one_way_with_id)).is_ok());
  error_reply unknown_code{200, "x"};
  BOOST_TEST(!decode_status<error_reply>(encode(unknown_code)).is_ok());
}

BOOST_AUTO_TEST_CASE(random_bytes_and_bit_flips_never_escape_the_decoder) {
  std::mt19937_64 random(20261125);
  auto valid = encode(sample_envelope());
  std::size_t decoded_count = 0;
  for (int round = 0; round < 20'000; ++round) {
    bytes input = valid;
    if (round % 2 == 0) {
      input[random() % input.size()] ^= static_cast<std::uint8_t>(1u << (random() % 8));
    } else {
      input.resize(random() % 64);
      for (auto& byte : input) byte = static_cast<std::uint8_t>(random());
    }
    auto decoded = decode<envelope>(input);  // must not throw
    if (decoded.has_value()) ++decoded_count;
  }
  BOOST_TEST_MESSAGE("decodable mutants: " << decoded_count);
}
