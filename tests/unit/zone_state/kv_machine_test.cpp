// kv_machine: etcd v3 semantics of revisions, versions, ranges, deletes and txns.
#define BOOST_TEST_MODULE zone_state_kv_machine
#include <boost/test/unit_test.hpp>

#include "actors/zone_state/kv_machine.hpp"
#include "messages/common/check.hpp"

using namespace bucky;

namespace {

kv_op put_op(std::string key, std::string value, bool prev = false) {
  kv_op op;
  op.kind = kv_op_kind::put;
  op.key = std::move(key);
  op.value = std::move(value);
  op.prev_kv = prev;
  return op;
}
kv_op delete_op(std::string key, std::string end = "", bool prev = false) {
  kv_op op;
  op.kind = kv_op_kind::delete_range;
  op.key = std::move(key);
  op.range_end = std::move(end);
  op.prev_kv = prev;
  return op;
}
kv_request one(kv_op op) { return {{}, {std::move(op)}, {}}; }
kv_compare compare_version(std::string key, kv_compare_result result, std::int64_t number) {
  return {std::move(key), kv_compare_target::version, result, "", number};
}

struct fixture {
  memory_kv_backend store;
  kv_response run(const kv_request& request) { return apply_kv_request(store, request); }
  key_value get(const std::string& key) {
    auto response = run(one(range_op(key)));
    BOOST_TEST_REQUIRE(response.results.at(0).kvs.size() == 1u);
    return response.results[0].kvs[0];
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(kv_machine, fixture)

BOOST_AUTO_TEST_CASE(put_sets_create_and_mod_revision_and_version_like_etcd) {
  BOOST_TEST(run(one(put_op("a", "1"))).revision == 1);
  BOOST_TEST(run(one(put_op("b", "1"))).revision == 2);
  auto again = run(one(put_op("a", "2", true)));
  BOOST_TEST(again.revision == 3);
  BOOST_TEST_REQUIRE(again.results[0].kvs.size() == 1u);
  BOOST_TEST(again.results[0].kvs[0].value == "1");  // prev_kv
  auto a = get("a");
  BOOST_TEST(a.value == "2");
  BOOST_TEST(a.create_revision == 1);
  BOOST_TEST(a.mod_revision == 3);
  BOOST_TEST(a.version == 2);
}

BOOST_AUTO_TEST_CASE(reads_and_empty_deletes_do_not_move_the_revision) {
  run(one(put_op("a", "1")));
  BOOST_TEST(run(one(range_op("a"))).revision == 1);
  auto nothing = run(one(delete_op("zzz")));
  BOOST_TEST(nothing.revision == 1);
  BOOST_TEST(nothing.results[0].deleted == 0);
}

BOOST_AUTO_TEST_CASE(delete_ends_a_keys_life_and_a_new_put_starts_it_over) {
  run(one(put_op("a", "1")));
  run(one(put_op("a", "2")));
  auto deleted = run(one(delete_op("a", "", true)));
  BOOST_TEST(deleted.revision == 3);
  BOOST_TEST(deleted.results[0].deleted == 1);
  BOOST_TEST(deleted.results[0].kvs.at(0).value == "2");
  run(one(put_op("a", "3")));
  auto a = get("a");
  BOOST_TEST(a.version == 1);
  BOOST_TEST(a.create_revision == 4);
}

BOOST_AUTO_TEST_CASE(ranges_by_interval_prefix_and_limit_count_everything) {
  for (auto key : {"app/1", "app/2", "app/3", "apq", "b"}) run(one(put_op(key, "v")));
  auto prefix = run(one(range_op("app/", prefix_range_end("app/"))));
  BOOST_TEST(prefix.results[0].count == 3);
  auto limited = run(one(range_op("app/", prefix_range_end("app/"), 2)));
  BOOST_TEST(limited.results[0].kvs.size() == 2u);
  BOOST_TEST(limited.results[0].count == 3);
  BOOST_TEST(limited.results[0].more);
  auto all_from = run(one(range_op("apq", std::string("\0", 1))));
  BOOST_TEST(all_from.results[0].count == 2);  // apq, b
  BOOST_TEST(prefix_range_end("a\xff") == "b");
  BOOST_TEST(prefix_range_end("\xff") == std::string("\0", 1));
}

BOOST_AUTO_TEST_CASE(delete_range_by_prefix_is_one_revision) {
  for (auto key : {"x/1", "x/2", "y"}) run(one(put_op(key, "v")));
  auto deleted = run(one(delete_op("x/", prefix_range_end("x/"))));
  BOOST_TEST(deleted.results[0].deleted == 2);
  BOOST_TEST(deleted.revision == 4);
  BOOST_TEST(run(one(range_op("y"))).results[0].count == 1);
}

BOOST_AUTO_TEST_CASE(txn_takes_the_branch_its_compares_choose_in_one_revision) {
  run(one(put_op("lock", "free")));
  kv_request claim{{compare_version("lock", kv_compare_result::equal, 1)},
                   {put_op("lock", "n1"), put_op("owner", "n1"), range_op("lock")},
                   {range_op("lock")}};
  auto first = run(claim);
  BOOST_TEST(first.succeeded);
  BOOST_TEST(first.revision == 2);
  BOOST_TEST(get("owner").mod_revision == 2);
  BOOST_TEST(first.results[2].kvs.at(0).value == "n1");  // reads see the txn's own writes
  auto second = run(claim);
  BOOST_TEST(!second.succeeded);
  BOOST_TEST(second.revision == 2);
  BOOST_TEST(second.results.at(0).kvs.at(0).value == "n1");
}

BOOST_AUTO_TEST_CASE(compares_on_missing_keys_follow_etcd) {
  // Missing key: version, create and mod revision are 0; a value compare fails.
  BOOST_TEST(run({{compare_version("ghost", kv_compare_result::equal, 0)}, {put_op("ghost", "1")}, {}}).succeeded);
  kv_compare by_value{"nobody", kv_compare_target::value, kv_compare_result::not_equal, "x", 0};
  BOOST_TEST(!run({{by_value}, {}, {range_op("nobody")}}).succeeded);
  kv_compare mod{"ghost", kv_compare_target::mod_revision, kv_compare_result::greater, "", 0};
  BOOST_TEST(run({{mod}, {range_op("ghost")}, {}}).succeeded);
  kv_compare less{"ghost", kv_compare_target::create_revision, kv_compare_result::less, "", 1};
  BOOST_TEST(!run({{less}, {range_op("ghost")}, {}}).succeeded);
}

BOOST_AUTO_TEST_CASE(bad_requests_are_refused_by_validate_with_what_and_where) {
  BOOST_TEST(validate(one(put_op("", "v"))).message().find("key is empty") != std::string::npos);
  BOOST_TEST((validate(one(put_op(std::string(kv_limits::key_bytes_max + 1, 'k'), "v"))).code() == status_code::too_large));
  BOOST_TEST((validate(one(put_op("k", std::string(kv_limits::value_bytes_max + 1, 'v')))).code() == status_code::too_large));
  kv_request duplicate{{}, {put_op("k", "1"), put_op("k", "2")}, {}};
  BOOST_TEST(validate(duplicate).message().find("duplicate key 'k'") != std::string::npos);
  kv_request many;
  for (std::size_t i = 0; i <= kv_limits::ops_per_txn_max; ++i) many.success.push_back(range_op("k"));
  BOOST_TEST((validate(many).code() == status_code::too_large));
  BOOST_TEST(!validate(kv_request{}).is_ok());
  BOOST_CHECK_THROW(apply_kv_request(store, duplicate), invariant_violation);  // never reaches the log
}


namespace {
kv_op lease_op(kv_op_kind kind, std::int64_t id, std::int64_t ttl_s = 0) {
  kv_op op;
  op.kind = kind;
  op.lease = id;
  op.ttl_s = ttl_s;
  return op;
}
kv_op leased_put(std::string key, std::int64_t lease) {
  auto op = put_op(std::move(key), "v");
  op.lease = lease;
  return op;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_revoked_lease_takes_its_keys_with_it_and_only_those) {
  auto granted = run(one(lease_op(kv_op_kind::lease_grant, 0, 5)));
  const auto id = granted.results.at(0).lease;
  BOOST_TEST((id & picked_lease_id_bit) != 0);
  BOOST_TEST(granted.results[0].ttl_s == 5);
  BOOST_TEST(granted.revision == 1);  // a grant is a change
  run(one(leased_put("a", id)));
  run(one(leased_put("b", id)));
  run(one(leased_put("c", id)));
  run(one(put_op("b", "now without the lease")));  // detached
  run(one(delete_op("c")));                        // detached by its end
  run(one(put_op("d", "never leased")));
  auto revoked = run(one(lease_op(kv_op_kind::lease_revoke, id)));
  BOOST_TEST(revoked.error.empty());
  BOOST_TEST(revoked.results.at(0).deleted == 1);
  BOOST_TEST(run(one(range_op("a"))).results[0].kvs.empty());
  BOOST_TEST(get("b").value == "now without the lease");
  BOOST_TEST(get("d").value == "never leased");
  // The deletion is in the history watchers read, at the revoke's revision.
  const auto& last = store.events().back();
  BOOST_TEST(last.first == revoked.revision);
  BOOST_TEST((last.second.kind == kv_event_kind::remove));
  BOOST_TEST(last.second.kv.key == "a");
}

BOOST_AUTO_TEST_CASE(a_missing_lease_refuses_the_whole_request_and_changes_nothing) {
  run(one(put_op("x", "1")));
  kv_request txn{{}, {put_op("y", "1"), leased_put("z", 42)}, {}};
  auto refused = run(txn);
  BOOST_TEST(refused.error.find("lease 42 not found") != std::string::npos);
  BOOST_TEST(refused.revision == 1);
  BOOST_TEST(run(one(range_op("y"))).results[0].kvs.empty());
  BOOST_TEST(!run(one(lease_op(kv_op_kind::lease_revoke, 42))).error.empty());
  BOOST_TEST(!run(one(lease_op(kv_op_kind::lease_keepalive, 42))).error.empty());
}

BOOST_AUTO_TEST_CASE(a_retried_grant_of_a_chosen_id_returns_the_same_lease) {
  auto first = run(one(lease_op(kv_op_kind::lease_grant, 7, 10)));
  auto again = run(one(lease_op(kv_op_kind::lease_grant, 7, 99)));
  BOOST_TEST(again.results.at(0).lease == 7);
  BOOST_TEST(again.results[0].ttl_s == 10);
  BOOST_TEST(again.revision == first.revision);
  BOOST_TEST(run(one(lease_op(kv_op_kind::lease_keepalive, 7))).results.at(0).ttl_s == 10);
}

BOOST_AUTO_TEST_CASE(lease_requests_are_checked_before_the_log) {
  BOOST_TEST(!validate(one(lease_op(kv_op_kind::lease_grant, 0, 0))).is_ok());
  BOOST_TEST(!validate(one(lease_op(kv_op_kind::lease_grant, 0, lease_ttl_s_max + 1))).is_ok());
  BOOST_TEST(!validate(one(lease_op(kv_op_kind::lease_revoke, 0))).is_ok());
  BOOST_TEST(!validate(one(lease_op(kv_op_kind::lease_grant, picked_lease_id_bit, 5))).is_ok());
  kv_request mixed{{}, {lease_op(kv_op_kind::lease_grant, 0, 5), put_op("a", "1")}, {}};
  BOOST_TEST(validate(mixed).message().find("only op") != std::string::npos);
  BOOST_TEST(validate(one(lease_op(kv_op_kind::lease_revoke, picked_lease_id_bit | 3))).is_ok());
}

namespace {
kv_request as(std::string principal, kv_op op) {
  auto request = one(std::move(op));
  request.principal = std::move(principal);
  return request;
}
}  // namespace

// Issue 18: a user allowed to write only /alice/ revoked the owner's leases (and
// with them keys under /secret/), and swept the sequential ids of every node's.
BOOST_AUTO_TEST_CASE(a_lease_is_used_only_by_its_grantor_the_owner_and_the_zone_state) {
  auto granted = run(as("node:nas", lease_op(kv_op_kind::lease_grant, 0, 30)));
  const auto id = granted.results.at(0).lease;
  BOOST_TEST(run(as("node:nas", leased_put("/nodes/nas/status", id))).error.empty());
  for (auto kind : {kv_op_kind::lease_revoke, kv_op_kind::lease_keepalive}) {
    auto refused = run(as("admin:alice", lease_op(kind, id)));
    BOOST_TEST(refused.error.find("granted to another caller") != std::string::npos, refused.error);
    BOOST_TEST(refused.revision == granted.revision + 1);  // nothing changed
  }
  auto attach = run(as("admin:alice", leased_put("/alice/x", id)));
  BOOST_TEST(attach.error.find("attach keys") != std::string::npos, attach.error);
  // A grant naming someone else's id is not a retry of theirs; a picked id cannot be named at all.
  BOOST_TEST(!validate(as("admin:alice", lease_op(kv_op_kind::lease_grant, id, 5))).is_ok());
  BOOST_TEST(run(as("node:nas", lease_op(kv_op_kind::lease_grant, 7, 5))).error.empty());
  BOOST_TEST(!run(as("admin:alice", lease_op(kv_op_kind::lease_grant, 7, 5))).error.empty());
  BOOST_TEST(get("/nodes/nas/status").lease == id);
  BOOST_TEST(run(as("node:nas", lease_op(kv_op_kind::lease_keepalive, id))).error.empty());
  BOOST_TEST(run(as("owner", lease_op(kv_op_kind::lease_keepalive, id))).error.empty());
  BOOST_TEST(run(as("", lease_op(kv_op_kind::lease_revoke, id))).error.empty());  // the leader's expiry
  BOOST_TEST(run(one(range_op("/nodes/nas/status"))).results[0].kvs.empty());
}

BOOST_AUTO_TEST_CASE(a_grant_takes_the_id_the_admitting_replica_drew) {
  auto request = as("node:nas", lease_op(kv_op_kind::lease_grant, 0, 30));
  request.lease_pick = 0x2bcdef0123456789;
  BOOST_TEST(run(request).results.at(0).lease == (0x2bcdef0123456789 | picked_lease_id_bit));
  request.lease_pick = picked_lease_id_bit;  // out of range: never reaches the log
  BOOST_TEST(!validate(request).is_ok());
}

BOOST_AUTO_TEST_SUITE_END()
