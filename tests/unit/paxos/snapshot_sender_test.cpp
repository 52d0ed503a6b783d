// A snapshot crosses from one LMDB environment to another in small chunks, with
// lost acknowledgements and resends, and arrives identical.
#define BOOST_TEST_MODULE unit_paxos_snapshot_sender
#include <boost/test/unit_test.hpp>

#include "actors/paxos/snapshot_sender.hpp"
#include "actors/zone_state/kv_store.hpp"
#include "messages/codec.hpp"
#include "tests/support/lmdb_env.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
using bucky::testing::temp_dir;

namespace {

std::vector<std::uint8_t> batch_of_puts(std::uint64_t client, std::uint64_t sequence, int puts) {
  kv_request request;
  for (int i = 0; i < puts; ++i) {
    kv_op op;
    op.kind = kv_op_kind::put;
    op.key = "key/" + std::to_string(sequence) + "/" + std::to_string(i);
    op.value = std::string(100, 'a' + i % 26);
    request.success.push_back(op);
  }
  command_batch batch{{{client, sequence, encode(request)}}};
  return encode(batch);
}

kv_response everything(kv_store& store) {
  kv_request request;
  kv_op op;
  op.kind = kv_op_kind::range;
  op.key = std::string("\0", 1);
  op.range_end = std::string("\0", 1);
  request.success.push_back(op);
  return store.read(request).value();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_snapshot_arrives_whole_through_lost_acks_and_replaces_the_old_state) {
  temp_dir a_dir, b_dir;
  auto a_env = bucky::testing::open_test_env(a_dir.path.string());
  auto b_env = bucky::testing::open_test_env(b_dir.path.string());
  auto a = std::move(kv_store::open(*a_env).value());
  auto b = std::move(kv_store::open(*b_env).value());
  for (slot_id s = 0; s < 20; ++s) BOOST_TEST(a.apply_slot(s, batch_of_puts(1, s + 1, 10)).has_value());
  BOOST_TEST(b.apply_slot(0, batch_of_puts(2, 1, 3)).has_value());  // stale state to be replaced

  snapshot_limits limits;
  limits.chunk_bytes_max = 2'000;
  limits.resend_ms = 100;
  auto reader = a.begin_snapshot();
  BOOST_TEST_REQUIRE(reader.has_value());
  snapshot_sender sender(7, std::move(*reader), limits, 0);
  // The sender's state moves on after the snapshot began: the copy does not.
  BOOST_TEST(a.apply_slot(20, batch_of_puts(1, 21, 10)).has_value());

  std::uint64_t now_ms = 0;
  auto step = sender.start(now_ms);
  std::uint64_t expected_chunk = 0;
  bool installed = false;
  for (int round = 0; round < 1'000 && !step.finished; ++round) {
    if (!step.send) {
      now_ms += 100;
      step = sender.on_tick(now_ms);
      continue;
    }
    auto chunk = decode<paxos_snapshot_chunk>(encode(*step.send)).value();  // over the wire
    BOOST_TEST(chunk.applied_below == 20u);
    if (chunk.chunk == expected_chunk) {
      BOOST_TEST_REQUIRE(b.stage_snapshot_chunk(chunk).is_ok());
      ++expected_chunk;
      if (chunk.last) {
        BOOST_TEST_REQUIRE(b.install_staged_snapshot(chunk.applied_below).is_ok());
        installed = true;
      }
    }
    if (round % 3 == 1) {  // every third acknowledgement is lost
      step = {};
      continue;
    }
    step = sender.on_ack({7, chunk.chunk, true}, now_ms);
  }
  BOOST_TEST(step.finished);
  BOOST_TEST(step.error.is_ok());
  BOOST_TEST(installed);
  BOOST_TEST(sender.chunks_sent() > 5u);
  BOOST_TEST(b.applied_below() == 20u);
  BOOST_TEST(kv_store::open(*b_env).value().applied_below() == 20u);  // durable
  auto a_state = everything(a), b_state = everything(b);
  BOOST_TEST(b_state.results.at(0).kvs.size() == 200u);
  BOOST_TEST(a_state.results.at(0).kvs.size() == 210u);
  for (std::size_t i = 0; i < b_state.results.at(0).kvs.size(); ++i) {
    const auto& kv = b_state.results.at(0).kvs[i];
    BOOST_TEST(kv.key.rfind("key/21/", 0) != 0u);
  }
  // The client table came along: a retry of an applied command is recognized.
  auto retry = b.apply_slot(20, batch_of_puts(1, 20, 10)).value();
  BOOST_TEST(retry.at(0).duplicate);
}

BOOST_AUTO_TEST_CASE(a_refused_chunk_ends_the_transfer_and_silence_abandons_it) {
  temp_dir dir;
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = std::move(kv_store::open(*env).value());
  BOOST_TEST(store.apply_slot(0, batch_of_puts(1, 1, 5)).has_value());
  snapshot_limits limits;
  limits.chunk_bytes_max = 100;
  limits.idle_ms = 1'000;
  auto first_reader = store.begin_snapshot();
  snapshot_sender refused(1, std::move(*first_reader), limits, 0);
  auto first = refused.start(0);
  BOOST_TEST_REQUIRE(first.send.has_value());
  auto end = refused.on_ack({1, 0, false}, 10);
  BOOST_TEST(end.finished);
  BOOST_TEST(!end.error.is_ok());

  auto second_reader = store.begin_snapshot();
  snapshot_sender silent(2, std::move(*second_reader), limits, 0);
  silent.start(0);
  BOOST_TEST(silent.on_tick(999).finished == false);
  BOOST_TEST(silent.on_tick(1'000).finished);
}

BOOST_AUTO_TEST_CASE(a_chunk_naming_an_unknown_table_is_refused) {
  temp_dir dir;
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = std::move(kv_store::open(*env).value());
  auto bytes = [](std::string_view text) { return std::vector<std::uint8_t>(text.begin(), text.end()); };
  paxos_snapshot_chunk chunk{1, 5, 0, true, {{"paxos.meta", bytes("promised"), bytes("x")}}};
  auto staged = store.stage_snapshot_chunk(chunk);
  BOOST_TEST(!staged.is_ok());
  BOOST_TEST(staged.message().find("unknown table") != std::string::npos);
}
