#include "messages/kv.hpp"
#include "messages/kv_watch.hpp"

#include <set>

#include <fmt/format.h>

namespace bucky {

namespace {

status check_key(const std::string& key, const char* where) {
  if (key.empty()) return {status_code::invalid_argument, fmt::format("{}: key is empty", where)};
  if (key.size() > kv_limits::key_bytes_max) {
    return {status_code::too_large,
            fmt::format("{}: key of {} bytes exceeds {} bytes", where, key.size(), kv_limits::key_bytes_max)};
  }
  return {};
}

bool is_lease_op(const kv_op& op) { return op.kind >= kv_op_kind::lease_grant && op.kind <= kv_op_kind::lease_keepalive; }

// A lease operation travels alone: one op, no compares, no failure branch.
status check_lease_request(const kv_request& request) {
  std::size_t leases = 0;
  for (const auto* ops : {&request.success, &request.failure}) {
    for (const auto& op : *ops) leases += is_lease_op(op) ? 1 : 0;
  }
  if (leases == 0) return {};
  if (leases != 1 || request.success.size() != 1 || !request.failure.empty() || !request.compares.empty()) {
    return {status_code::invalid_argument, "a lease grant, revoke or keepalive must be the only op of its request"};
  }
  const auto& op = request.success[0];
  if (op.lease < 0) return {status_code::invalid_argument, fmt::format("lease id {} is negative", op.lease)};
  if (op.kind == kv_op_kind::lease_grant && op.lease >= (std::int64_t{1} << 62)) {
    return {status_code::invalid_argument,
            fmt::format("lease grant: a chosen id must be below 2^62 (larger ones are picked by the store), not {}",
                        op.lease)};
  }
  if (op.kind != kv_op_kind::lease_grant && op.lease == 0) {
    return {status_code::invalid_argument, "lease revoke/keepalive: name the lease (its id is not 0)"};
  }
  if (op.kind == kv_op_kind::lease_grant && (op.ttl_s < 1 || op.ttl_s > lease_ttl_s_max)) {
    return {status_code::invalid_argument,
            fmt::format("lease grant: ttl_s {} is outside 1..{} seconds", op.ttl_s, lease_ttl_s_max)};
  }
  return {};
}

status check_ops(const std::vector<kv_op>& ops, const char* branch) {
  if (ops.size() > kv_limits::ops_per_txn_max) {
    return {status_code::too_large,
            fmt::format("txn {} has {} ops; at most {}", branch, ops.size(), kv_limits::ops_per_txn_max)};
  }
  std::set<std::string> put_keys;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    auto where = fmt::format("txn {} op {}", branch, i);
    if (static_cast<std::uint8_t>(op.kind) > static_cast<std::uint8_t>(kv_op_kind::lease_keepalive)) {
      return {status_code::invalid_argument, fmt::format("{}: unknown op kind {}", where, static_cast<int>(op.kind))};
    }
    if (op.kind >= kv_op_kind::lease_grant) continue;  // checked by check_lease_request
    if (op.lease < 0) return {status_code::invalid_argument, fmt::format("{}: lease id {} is negative", where, op.lease)};
    if (auto key = check_key(op.key, where.c_str()); !key.is_ok()) return key;
    if (op.range_end.size() > kv_limits::key_bytes_max) {
      return {status_code::too_large, fmt::format("{}: range_end longer than {} bytes", where, kv_limits::key_bytes_max)};
    }
    if (op.kind == kv_op_kind::put) {
      if (op.value.size() > kv_limits::value_bytes_max) {
        return {status_code::too_large, fmt::format("{}: value of {} bytes exceeds {} bytes", where, op.value.size(),
                                                    kv_limits::value_bytes_max)};
      }
      // etcd's rule: one txn may not put the same key twice.
      if (!put_keys.insert(op.key).second) {
        return {status_code::invalid_argument, fmt::format("{}: duplicate key '{}' in txn", where, op.key)};
      }
    }
  }
  return {};
}

}  // namespace

status validate(const kv_watch_request& request) {
  if (request.key.size() > kv_limits::key_bytes_max || request.range_end.size() > kv_limits::key_bytes_max) {
    return {status_code::too_large, fmt::format("watch: key or range_end longer than {} bytes", kv_limits::key_bytes_max)};
  }
  if (request.start_revision < 0) {
    return {status_code::invalid_argument, fmt::format("watch: start_revision {} is negative", request.start_revision)};
  }
  if (request.wait_ms > watch_limits::wait_ms_max) {
    return {status_code::invalid_argument,
            fmt::format("watch: wait_ms {} exceeds {}; poll again instead", request.wait_ms, watch_limits::wait_ms_max)};
  }
  if (request.events_max == 0 || request.events_max > watch_limits::events_max) {
    return {status_code::invalid_argument,
            fmt::format("watch: events_max must be 1..{}, not {}", watch_limits::events_max, request.events_max)};
  }
  return {};
}

status validate(const kv_request& request) {
  if (request.compares.size() > kv_limits::compares_per_txn_max) {
    return {status_code::too_large, fmt::format("txn has {} compares; at most {}", request.compares.size(),
                                                kv_limits::compares_per_txn_max)};
  }
  for (std::size_t i = 0; i < request.compares.size(); ++i) {
    auto where = fmt::format("txn compare {}", i);
    if (auto key = check_key(request.compares[i].key, where.c_str()); !key.is_ok()) return key;
    if (static_cast<std::uint8_t>(request.compares[i].target) > 3 || static_cast<std::uint8_t>(request.compares[i].result) > 3) {
      return {status_code::invalid_argument, fmt::format("{}: unknown target or result", where)};
    }
  }
  if (request.success.empty() && request.failure.empty() && request.compares.empty()) {
    return {status_code::invalid_argument, "request has no ops"};
  }
  if (request.principal.size() > principal_bytes_max) {
    return {status_code::invalid_argument, fmt::format("principal longer than {} bytes", principal_bytes_max)};
  }
  if (request.lease_pick < 0 || request.lease_pick >= (std::int64_t{1} << 62)) {
    return {status_code::invalid_argument, fmt::format("lease_pick {} is outside 0..2^62", request.lease_pick)};
  }
  if (auto leases = check_lease_request(request); !leases.is_ok()) return leases;
  if (auto ops = check_ops(request.success, "success"); !ops.is_ok()) return ops;
  return check_ops(request.failure, "failure");
}

}  // namespace bucky
