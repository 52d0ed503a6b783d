// kv_store: chosen slots applied to LMDB with the applied index in the same commit,
// retries applied once, and a crash mid-apply leaving the previous slot's state.
#define BOOST_TEST_MODULE state_store_kv_store
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "actors/state_store/kv_store.hpp"
#include "messages/codec.hpp"
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
  BOOST_TEST(refused.error().message().find("ranges only") != std::string::npos);
}
