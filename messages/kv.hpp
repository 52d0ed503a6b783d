// The key-value API of the zone state, shaped after etcd v3 so people know it:
// a global revision per committed change; per key create_revision, mod_revision
// and version; range (one key, a [key, range_end) interval, or all keys from key on
// when range_end is "\0"), put, delete_range, and txn (compares -> success ops /
// failure ops, atomic, one revision).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/common/status.hpp"
#include "messages/limits.hpp"
#include "messages/type_ids.hpp"

namespace bucky {

namespace kv_limits {
inline constexpr std::size_t key_bytes_max = 448;          // below LMDB's 511-byte key limit
inline constexpr std::size_t value_bytes_max = 1024 * 1024;
inline constexpr std::size_t ops_per_txn_max = 128;
inline constexpr std::size_t compares_per_txn_max = 128;
inline constexpr std::size_t range_results_max = 10'000;
// Values returned by one operation (range, or prev_kv of a delete): past this many
// bytes the answer is cut (at least one key is returned) and `more` is set.
inline constexpr std::size_t response_bytes_max = 2 * 1024 * 1024;
// One encoded request: it must fit a log slot and a transport frame.
inline constexpr std::size_t request_bytes_max = 2 * 1024 * 1024 + 64 * 1024;
// A stored row (kv.data, kv.events) is one key and value and their numbers: this
// bounds a row in a snapshot chunk.
inline constexpr std::size_t stored_row_bytes_max = key_bytes_max + value_bytes_max + 1024;

// Every value the API accepts must travel in every message that can carry it
// (issue 17): the limits are derived from one another, checked here and, at the
// exact maxima, by kv_store_test.
static_assert(key_bytes_max <= limits::decode_string_bytes_max && value_bytes_max <= limits::decode_string_bytes_max,
              "keys and values travel as msgpack str");
static_assert(key_bytes_max + value_bytes_max + 4096 <= request_bytes_max, "the largest put fits one request");
static_assert(request_bytes_max + 64 * 1024 <= limits::message_size_bytes_max,
              "a request, in a log slot or a forward, fits one message with its envelope");
static_assert(stored_row_bytes_max <= limits::decode_binary_bytes_max, "a stored row travels as msgpack bin");
}  // namespace kv_limits

struct key_value {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;  // 1 at creation, +1 per put; a delete ends the key's life
  std::int64_t lease = 0;
  bool operator==(const key_value&) const = default;
  MSGPACK_DEFINE(key, value, create_revision, mod_revision, version, lease);
};

// One change, as a watcher sees it. A delete carries the key and, as mod_revision,
// the revision that deleted it.
enum class kv_event_kind : std::uint8_t { put = 0, remove = 1 };

struct kv_event {
  kv_event_kind kind = kv_event_kind::put;
  key_value kv;
  bool operator==(const kv_event&) const = default;
  MSGPACK_DEFINE(kind, kv);
};

// Leases (etcd's): grant one with a TTL, attach keys to it with put, keep it alive,
// revoke it. When it is revoked or expires its keys are deleted. Only the leader
// tracks deadlines (its monotonic clock, never compared across machines); expiry
// is decided there and committed through the log as a revoke. A new leader gives
// every lease a full TTL again (a leader change extends leases, never shortens them).
// A grant and a revoke are changes: each takes a revision.
enum class kv_op_kind : std::uint8_t {
  range = 0,
  put = 1,
  delete_range = 2,
  lease_grant = 3,      // lease = the id wanted (0: the store picks one), ttl_s
  lease_revoke = 4,     // lease
  lease_keepalive = 5,  // lease; answered by the leader, not written to the log
};
inline constexpr std::int64_t lease_ttl_s_max = 7 * 24 * 3600;

// A lease belongs to whoever granted it (issue 18): only that principal (or the
// owner, or the zone state itself) may keep it alive, revoke it or attach keys.
struct lease_record {
  static constexpr const char* type_name = "lease record";
  std::int64_t id = 0;
  std::int64_t ttl_s = 0;
  std::string owner{};  // the grantor's principal (kv_request::principal); "": the zone state's
  bool operator==(const lease_record&) const = default;
  MSGPACK_DEFINE(id, ttl_s, owner);
};

struct kv_op {
  kv_op_kind kind = kv_op_kind::range;
  std::string key;
  std::string range_end;  // range, delete_range: empty = just `key`; "\0" = every key >= key
  std::string value;      // put
  std::int64_t lease = 0; // put
  std::uint32_t limit = 0;  // range: 0 = up to range_results_max
  bool prev_kv = false;   // put, delete_range: return what was there
  std::int64_t ttl_s = 0; // lease_grant
  MSGPACK_DEFINE(kind, key, range_end, value, lease, limit, prev_kv, ttl_s);
};

// A range op over one key, or [key, range_end) when range_end is given.
inline kv_op range_op(std::string key, std::string range_end = "", std::uint32_t limit = 0) {
  kv_op op;
  op.key = std::move(key);
  op.range_end = std::move(range_end);
  op.limit = limit;
  return op;
}

enum class kv_compare_target : std::uint8_t { value = 0, version = 1, create_revision = 2, mod_revision = 3 };
enum class kv_compare_result : std::uint8_t { equal = 0, not_equal = 1, greater = 2, less = 3 };

struct kv_compare {
  std::string key;
  kv_compare_target target = kv_compare_target::value;
  kv_compare_result result = kv_compare_result::equal;
  std::string value;        // target value
  std::int64_t number = 0;  // target version / create_revision / mod_revision
  MSGPACK_DEFINE(key, target, result, value, number);
};

// One request: a single op is a txn without compares and one success op.
struct kv_request {
  static constexpr message_type type_id = message_type::kv_request;
  static constexpr const char* type_name = "kv_request";
  std::vector<kv_compare> compares;
  std::vector<kv_op> success;
  std::vector<kv_op> failure;
  // Who asks, as the replica that admitted the request stamped it over whatever the
  // client sent (actors/zone_state/principal.hpp): "owner", "admin:<name>",
  // "node:<id>"; "" for the zone state's own requests (lease expiry). Leases are
  // checked against it where the request is applied.
  std::string principal{};
  // A grant without a chosen id gets this one (below 2^62; the store sets
  // picked_lease_id_bit): random, drawn by the admitting replica, so lease ids
  // cannot be guessed. 0: the store picks from the revision (tests, simulation).
  std::int64_t lease_pick = 0;
  MSGPACK_DEFINE(compares, success, failure, principal, lease_pick);
};
inline constexpr std::size_t principal_bytes_max = 128;

struct kv_op_result {
  kv_op_kind kind = kv_op_kind::range;
  std::vector<key_value> kvs;  // range: the keys; put / delete_range with prev_kv: what was there
  std::int64_t count = 0;      // range: how many keys matched (before the limit)
  bool more = false;           // range: the limit cut the answer
  std::int64_t deleted = 0;    // delete_range, lease_revoke: keys deleted
  std::int64_t lease = 0;      // lease_*: the lease's id
  std::int64_t ttl_s = 0;      // lease_grant, lease_keepalive: its time to live
  MSGPACK_DEFINE(kind, kvs, count, more, deleted, lease, ttl_s);
};

struct kv_response {
  static constexpr message_type type_id = message_type::kv_response;
  static constexpr const char* type_name = "kv_response";
  std::int64_t revision = 0;  // the store's revision after this request
  bool succeeded = true;      // txn: whether the compares held
  std::vector<kv_op_result> results;
  std::string error;          // set when the request named a lease that does not exist: nothing applied
  MSGPACK_DEFINE(revision, succeeded, results, error);
};

// Checks sizes and shapes before a request goes into the log: a bad request is
// refused with what and where, never applied.
status validate(const kv_request& request);

}  // namespace bucky

MSGPACK_ADD_ENUM(bucky::kv_op_kind);
MSGPACK_ADD_ENUM(bucky::kv_event_kind);
MSGPACK_ADD_ENUM(bucky::kv_compare_target);
MSGPACK_ADD_ENUM(bucky::kv_compare_result);
