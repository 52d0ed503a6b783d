// kv_store: chosen slots applied to LMDB with the applied index in the same commit
// (slots gather in a batch that reads see at once and that commits or drops whole),
// retries applied once, and a crash mid-apply leaving the previous slot's state.
#define BOOST_TEST_MODULE zone_state_kv_store
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "actors/paxos/snapshot_sender.hpp"
#include "actors/zone_state/kv_store.hpp"
#include "messages/codec.hpp"
#include "messages/kv_client.hpp"
#include "messages/common/check.hpp"
#include "tests/support/lmdb_env.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
using bucky::testing::temp_dir;

namespace {

kv_request put_request(std::string key, std::string value) {
  kv_op op;
  op.kind = kv_op_kind::put;
  op.key = std::move(key);
  op.value = std::move(value);
  return {{}, {op}, {}};
}

kv_request get_request(std::string key) {
  kv_op op;
  op.key = std::move(key);
  return {{}, {op}, {}};
}

std::vector<std::uint8_t> batch(std::vector<client_command> commands) { return encode(command_batch{std::move(commands)}); }

client_command command(std::uint64_t client, std::uint64_t sequence, const kv_request& request) {
  return {client, sequence, encode(request)};
}

std::optional<std::string> value_of(kv_store& store, const std::string& key) {
  auto response = store.read(get_request(key));
  BOOST_TEST_REQUIRE(response.has_value(), response.error().to_string());
  if (response->results.at(0).kvs.empty()) return std::nullopt;
  return response->results[0].kvs[0].value;
}

}  // namespace

namespace std {
inline std::ostream& operator<<(std::ostream& out, const std::optional<std::string>& value) {
  return out << (value ? *value : std::string("nothing"));
}
}  // namespace std

BOOST_AUTO_TEST_CASE(slots_apply_in_order_and_survive_a_restart) {
  temp_dir dir;
  {
    auto env = bucky::testing::open_test_env(dir.path.string());
    auto store = kv_store::open(*env);
    BOOST_TEST_REQUIRE(store.has_value());
    BOOST_TEST(store->applied_below() == 0u);
    auto first = store->apply_slot(0, batch({command(1, 1, put_request("a", "1")), command(2, 1, put_request("b", "1"))}));
    BOOST_TEST_REQUIRE(first.has_value(), first.error().to_string());
    BOOST_TEST(first->size() == 2u);
    BOOST_TEST(first->at(1).response->revision == 2);
    BOOST_TEST(store->apply_slot(1, {}).has_value());  // a no-op slot
    BOOST_CHECK_THROW((void)store->apply_slot(5, {}), invariant_violation);  // out of order is a bug
  }
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = kv_store::open(*env);
  BOOST_TEST(store->applied_below() == 2u);
  BOOST_TEST(*store->revision() == 2);
  BOOST_TEST(value_of(*store, "a") == std::optional<std::string>("1"));
}

BOOST_AUTO_TEST_CASE(a_retried_command_applies_once_and_gets_the_same_answer) {
  temp_dir dir;
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = kv_store::open(*env);
  auto first = store->apply_slot(0, batch({command(7, 1, put_request("counter", "1"))}));
  auto retry = store->apply_slot(1, batch({command(7, 1, put_request("counter", "1"))}));
  BOOST_TEST_REQUIRE(retry.has_value());
  BOOST_TEST(retry->at(0).duplicate);
  BOOST_TEST(retry->at(0).response->revision == first->at(0).response->revision);
  BOOST_TEST(*store->revision() == 1);
  auto older = store->apply_slot(2, batch({command(7, 0, put_request("counter", "0"))}));
  BOOST_TEST((older->at(0).error.code() == status_code::already_exists));
  BOOST_TEST(value_of(*store, "counter") == std::optional<std::string>("1"));
}

BOOST_AUTO_TEST_CASE(an_invalid_command_in_a_chosen_batch_is_refused_the_same_way_everywhere) {
  temp_dir dir;
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = kv_store::open(*env);
  client_command garbage{3, 1, {0xc1}};
  auto outcome = store->apply_slot(0, batch({garbage, command(4, 1, put_request("", "x"))}));
  BOOST_TEST_REQUIRE(outcome.has_value());
  BOOST_TEST(!outcome->at(0).error.is_ok());
  BOOST_TEST(outcome->at(1).error.message().find("key is empty") != std::string::npos);
  BOOST_TEST(*store->revision() == 0);
  auto retry = store->apply_slot(1, batch({command(4, 1, put_request("", "x"))}));
  BOOST_TEST(retry->at(0).error.message().find("key is empty") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_crash_mid_apply_leaves_the_previous_slot_state_and_index_together) {
  temp_dir dir;
  {
    auto env = bucky::testing::open_test_env(dir.path.string());
    auto store = kv_store::open(*env);
    BOOST_TEST_REQUIRE(store->apply_slot(0, batch({command(1, 1, put_request("a", "1"))})).has_value());
  }
  pid_t child = fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    auto env = bucky::testing::open_env_in_child(dir.path.string());
    auto data = env->table("kv.data");
    auto txn = env->begin_write();
    (void)txn->put(*data, "a", "half-applied");  // the crash hits before the commit
    _exit(0);
  }
  int child_status = 0;
  waitpid(child, &child_status, 0);
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = kv_store::open(*env);
  BOOST_TEST(store->applied_below() == 1u);
  BOOST_TEST(value_of(*store, "a") == std::optional<std::string>("1"));
}

BOOST_AUTO_TEST_CASE(reads_refuse_writes) {
  temp_dir dir;
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = kv_store::open(*env);
  auto refused = store->read(put_request("a", "1"));
  BOOST_TEST_REQUIRE(!refused.has_value());
  BOOST_TEST(refused.error().message().find("ranges") != std::string::npos);
}

namespace {

kv_request delete_prefix(std::string prefix) {
  kv_op op;
  op.kind = kv_op_kind::delete_range;
  op.range_end = prefix_range_end(prefix);
  op.key = std::move(prefix);
  return {{}, {op}, {}};
}

kv_watch_request watch_from(std::string key, std::string range_end, std::int64_t revision, std::uint32_t index = 0) {
  kv_watch_request request;
  request.key = std::move(key);
  request.range_end = std::move(range_end);
  request.start_revision = revision;
  request.start_index = index;
  return request;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_watch_sees_every_matching_change_once_in_order_from_any_position) {
  temp_dir dir;
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = std::move(kv_store::open(*env).value());
  BOOST_TEST(store.apply_slot(0, batch({command(1, 1, put_request("a/1", "x")), command(1, 2, put_request("b/1", "y")),
                                        command(1, 3, put_request("a/2", "z"))}))
                 .has_value());                                                               // revisions 1, 2, 3
  BOOST_TEST(store.apply_slot(1, batch({command(1, 4, delete_prefix("a/"))})).has_value());  // revision 4: two events
  BOOST_TEST(store.apply_slot(2, batch({command(1, 5, put_request("a/1", "w"))})).has_value());  // revision 5

  auto all = store.watch(watch_from("a/", prefix_range_end("a/"), 1)).value();
  BOOST_TEST_REQUIRE(all.events.size() == 5u);
  BOOST_TEST((all.events[0].kind == kv_event_kind::put));
  BOOST_TEST(all.events[0].kv.key == "a/1");
  BOOST_TEST(all.events[1].kv.key == "a/2");
  BOOST_TEST((all.events[2].kind == kv_event_kind::remove));
  BOOST_TEST(all.events[2].kv.mod_revision == 4);
  BOOST_TEST(all.events[3].kv.key == "a/2");
  BOOST_TEST(all.events[4].kv.value == "w");
  BOOST_TEST(all.revision == 5);

  // Reading one event at a time from each returned position gives the same sequence.
  std::vector<kv_event> stepped;
  kv_watch_request request = watch_from("a/", prefix_range_end("a/"), 1);
  request.events_max = 1;
  for (int i = 0; i < 20; ++i) {
    auto batch = store.watch(request).value();
    if (batch.events.empty()) break;
    stepped.insert(stepped.end(), batch.events.begin(), batch.events.end());
    request.start_revision = batch.next_revision;
    request.start_index = batch.next_index;
  }
  BOOST_TEST(stepped == all.events);

  // Mid-revision position: the second delete of revision 4 only, then revision 5.
  auto tail = store.watch(watch_from("a/", prefix_range_end("a/"), 4, 1)).value();
  BOOST_TEST_REQUIRE(tail.events.size() == 2u);
  BOOST_TEST(tail.events[0].kv.key == "a/2");

  // One key; "from now" (revision 0) sees nothing yet and says where to go on.
  BOOST_TEST(store.watch(watch_from("b/1", "", 1)).value().events.size() == 1u);
  auto now = store.watch(watch_from("a/", prefix_range_end("a/"), 0)).value();
  BOOST_TEST(now.events.empty());
  BOOST_TEST(now.next_revision == 6);
}

BOOST_AUTO_TEST_CASE(a_watch_before_the_kept_history_is_refused_with_what_to_do) {
  temp_dir dir;
  auto env = bucky::testing::open_test_env(dir.path.string(), std::size_t{256} << 20);
  auto store = std::move(kv_store::open(*env).value());
  const std::int64_t puts = kv_store::events_retain_revisions + kv_store::events_trim_step_revisions + 10;
  std::vector<client_command> commands;
  slot_id slot = 0;
  for (std::int64_t i = 1; i <= puts; ++i) {
    commands.push_back(command(1, static_cast<std::uint64_t>(i), put_request("k", std::to_string(i))));
    if (commands.size() == 5'000 || i == puts) {
      auto applied = store.apply_slot(slot++, batch(std::move(commands)));
      BOOST_TEST_REQUIRE(applied.has_value(), applied.error().to_string());
      commands.clear();
    }
  }
  auto old = store.watch(watch_from("k", "", 1));
  BOOST_TEST_REQUIRE(!old.has_value());
  BOOST_TEST((old.error().code() == status_code::not_found));
  BOOST_TEST(old.error().message().find("compacted") != std::string::npos);
  auto recent = store.watch(watch_from("k", "", puts - 2)).value();
  BOOST_TEST(recent.events.size() == 3u);
  BOOST_TEST(recent.compact_revision > 1);
  BOOST_TEST(recent.compact_revision <= puts - kv_store::events_retain_revisions);
}

BOOST_AUTO_TEST_CASE(bad_watches_are_refused_naming_the_field) {
  temp_dir dir;
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = std::move(kv_store::open(*env).value());
  auto request = watch_from("k", "", 1);
  request.wait_ms = watch_limits::wait_ms_max + 1;
  BOOST_TEST(store.watch(request).error().message().find("wait_ms") != std::string::npos);
  request = watch_from(std::string(kv_limits::key_bytes_max + 1, 'k'), "", 1);
  BOOST_TEST((store.watch(request).error().code() == status_code::too_large));
  request = watch_from("k", "", -1);
  BOOST_TEST(store.watch(request).error().message().find("negative") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_batch_is_read_at_once_lost_whole_when_dropped_and_durable_once_committed) {
  temp_dir dir;
  {
    auto env = bucky::testing::open_test_env(dir.path.string());
    auto store = std::move(kv_store::open(*env).value());
    BOOST_TEST_REQUIRE(store.apply_to_batch(0, batch({command(1, 1, put_request("a", "1"))})).has_value());
    BOOST_TEST_REQUIRE(store.apply_to_batch(1, batch({command(1, 2, put_request("b", "2"))})).has_value());
    BOOST_TEST(value_of(store, "b") == std::optional<std::string>("2"));  // reads see the batch
    BOOST_TEST(store.applied_below() == 2u);
    BOOST_TEST(store.durable_applied_below() == 0u);
    BOOST_TEST(store.batch_slots() == 2u);
    BOOST_TEST(store.batch_bytes() == batch({command(1, 1, put_request("a", "1"))}).size() +
                                          batch({command(1, 2, put_request("b", "2"))}).size());
    store.abort_batch();
    BOOST_TEST(store.batch_bytes() == 0u);  // as after a crash: both slots are gone, the log applies them again
    BOOST_TEST(store.applied_below() == 0u);
    BOOST_TEST(value_of(store, "a") == std::nullopt);
    BOOST_TEST_REQUIRE(store.apply_to_batch(0, batch({command(1, 1, put_request("a", "1"))})).has_value());
    BOOST_TEST_REQUIRE(store.commit_batch().is_ok());
    BOOST_TEST(store.durable_applied_below() == 1u);
    BOOST_TEST(store.batch_slots() == 0u);
    BOOST_TEST_REQUIRE(store.apply_to_batch(1, batch({command(1, 2, put_request("b", "3"))})).has_value());
    // A snapshot is of committed state only: starting one commits the batch.
    auto reader = store.begin_snapshot();
    BOOST_TEST_REQUIRE(reader.has_value());
    BOOST_TEST(reader->applied_below() == 2u);
    BOOST_TEST(store.durable_applied_below() == 2u);
  }
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = std::move(kv_store::open(*env).value());
  BOOST_TEST(store.applied_below() == 2u);
  BOOST_TEST(value_of(store, "b") == std::optional<std::string>("3"));
}

namespace {

// The test below sends every message through its codec with the limits the
// transport decodes with, and checks it fits one message with room for the envelope.
template <class Message>
Message round_trip(const Message& message) {
  auto encoded = encode(message);
  BOOST_TEST(encoded.size() + 1024 <= limits::message_size_bytes_max, Message::type_name << ": " << encoded.size());
  auto decoded = decode<Message>(encoded);
  BOOST_TEST_REQUIRE(decoded.has_value(), Message::type_name << ": " << decoded.error().to_string());
  return std::move(*decoded);
}

}  // namespace

// Issue 17, defect 2: a value of exactly value_bytes_max was accepted, but its row
// did not decode in a snapshot chunk (str size overflow), so a lagging replica
// never caught up. The largest key and value must travel in every message that can
// carry them, and arrive whole through a snapshot.
BOOST_AUTO_TEST_CASE(the_largest_key_and_value_travel_in_every_message_and_through_a_snapshot) {
  const std::string key(kv_limits::key_bytes_max, 'k');
  const std::string value(kv_limits::value_bytes_max, 'v');
  auto request = put_request(key, value);
  BOOST_TEST_REQUIRE(validate(request).is_ok());
  auto client_request = round_trip(kv_client_request{1, 1, request, false, 0});
  BOOST_TEST(client_request.request.success.at(0).value == value);
  kv_forward_batch forwarded;
  forwarded.requests.push_back(client_request);
  round_trip(forwarded);
  auto slot_value = batch({command(1, 1, request)});
  BOOST_TEST(round_trip(paxos_accept{{1, 0}, 0, slot_value}).value == slot_value);
  BOOST_TEST(round_trip(paxos_catchup_reply{0, {slot_value}}).values.at(0) == slot_value);
  paxos_rejoin_state rejoin;
  rejoin.entries.push_back({0, {1, 0}, slot_value});
  round_trip(rejoin);
  paxos_promise promise;
  promise.accepted.push_back({0, {1, 0}, slot_value});
  round_trip(promise);

  temp_dir dir;
  auto leader_env = bucky::testing::open_test_env((dir.path / "leader").string());
  auto follower_env = bucky::testing::open_test_env((dir.path / "follower").string());
  auto leader = std::move(kv_store::open(*leader_env).value());
  auto follower = std::move(kv_store::open(*follower_env).value());
  auto applied = leader.apply_slot(0, slot_value);
  BOOST_TEST_REQUIRE(applied.has_value(), applied.error().to_string());
  BOOST_TEST_REQUIRE(leader.apply_slot(1, batch({command(2, 1, put_request("small", "1"))})).has_value());
  auto read = leader.read(get_request(key));
  BOOST_TEST_REQUIRE(read.has_value());
  kv_client_response answer;
  answer.ok = true;
  answer.response = *read;
  BOOST_TEST(round_trip(answer).response.results.at(0).kvs.at(0).value == value);
  kv_watch_response watched;
  watched.events.push_back({kv_event_kind::put, read->results.at(0).kvs.at(0)});
  round_trip(watched);

  auto reader = leader.begin_snapshot();
  BOOST_TEST_REQUIRE(reader.has_value());
  for (std::uint64_t chunk = 0; !reader->done(); ++chunk) {
    BOOST_TEST_REQUIRE(chunk < 100u);
    auto rows = reader->next_chunk(snapshot_limits{}.chunk_bytes_max);
    BOOST_TEST_REQUIRE(rows.has_value());
    paxos_snapshot_chunk message{7, reader->applied_below(), chunk, reader->done(), std::move(*rows)};
    auto staged = follower.stage_snapshot_chunk(round_trip(message));
    BOOST_TEST_REQUIRE(staged.is_ok(), staged.to_string());
  }
  BOOST_TEST_REQUIRE(follower.install_staged_snapshot(reader->applied_below()).is_ok());
  BOOST_TEST(follower.applied_below() == 2u);
  BOOST_TEST(value_of(follower, key) == std::optional<std::string>(value));
  BOOST_TEST(value_of(follower, "small") == std::optional<std::string>("1"));
}

// The scrub reads the committed state a bounded number of values at a time, goes
// round every table, and finds a value that a failing disk changed (issue 17,
// defect 4) even when no request reads it.
BOOST_AUTO_TEST_CASE(the_scrub_goes_round_every_table_and_finds_a_changed_value) {
  temp_dir dir;
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = std::move(kv_store::open(*env).value());
  for (std::uint64_t slot = 0; slot < 20; ++slot) {
    auto request = put_request("key" + std::to_string(slot), "value " + std::to_string(slot));
    BOOST_TEST_REQUIRE(store.apply_slot(slot, batch({command(1, slot + 1, request)})).has_value());
  }
  kv_store::scrub_position position;
  for (int call = 0; call < 100 && position.passes == 0; ++call) BOOST_TEST_REQUIRE(store.scrub(position, 7).is_ok());
  BOOST_TEST(position.passes == 1u);
  // 20 keys, 20 events, 1 client, 3 meta numbers (revision, applied below, events from):
  BOOST_TEST(position.last_pass_rows >= 40u);
  const auto passed_rows = position.last_pass_rows;
  auto raw = env->table("kv.data").value();  // unchecked: the bytes as stored
  auto stored = env->begin_read().value().get(raw, "key13").value().value();
  stored.back() ^= 0x20;
  {
    auto txn = std::move(env->begin_write().value());
    BOOST_TEST_REQUIRE(txn.put(raw, "key13", stored).is_ok());
    BOOST_TEST_REQUIRE(txn.commit().is_ok());
  }
  status found;
  for (int call = 0; call < 100 && found.is_ok() && position.passes < 3; ++call) found = store.scrub(position, 7);
  BOOST_TEST((found.code() == status_code::corruption), found.to_string());
  BOOST_TEST(found.message().find("key 'key13'") != std::string::npos, found.message());
  BOOST_TEST(position.passes == 1u);  // found during the second pass
  BOOST_TEST(passed_rows > 0u);
  BOOST_TEST((store.read(get_request("key13")).error().code() == status_code::corruption));
}

// The scrub's byte budget bounds one call whatever the values' sizes (values of up
// to 1 MiB: a count alone could read gigabytes in one call).
BOOST_AUTO_TEST_CASE(the_scrub_stops_at_its_byte_budget) {
  temp_dir dir;
  auto env = bucky::testing::open_test_env(dir.path.string(), 1 << 26);
  auto store = std::move(kv_store::open(*env).value());
  for (std::uint64_t slot = 0; slot < 8; ++slot) {
    auto request = put_request("big" + std::to_string(slot), std::string(100'000, 'b'));
    BOOST_TEST_REQUIRE(store.apply_slot(slot, batch({command(1, slot + 1, request)})).has_value());
  }
  kv_store::scrub_position position;
  BOOST_TEST_REQUIRE(store.scrub(position, 10'000, 250'000).is_ok());
  BOOST_TEST(position.rows_this_pass == 3u);  // the third value passes 250,000 bytes
  BOOST_TEST(position.passes == 0u);
  for (int call = 0; call < 100 && position.passes == 0; ++call) {
    BOOST_TEST_REQUIRE(store.scrub(position, 10'000, 250'000).is_ok());
  }
  BOOST_TEST(position.passes == 1u);
  BOOST_TEST(position.last_pass_rows >= 16u);  // 8 keys and their 8 events at least
}
