#include "actors/zone_fs/kv_port.hpp"

#include <fmt/format.h>

namespace bucky::zone_fs {

result<kv_response> response_of(kv_client_response answer) {
  if (!answer.ok) return status(static_cast<status_code>(answer.error_code), answer.error_message);
  if (!answer.response.error.empty()) return status(status_code::invalid_argument, answer.response.error);
  return std::move(answer.response);
}

const key_value* read_set::find(const std::string& key) const {
  auto it = found.find(key);
  return it == found.end() ? nullptr : &it->second;
}

result<read_set> read_keys(kv_port& port, const std::vector<std::string>& keys, bool nearby) {
  BUCKY_CHECK(!keys.empty() && keys.size() <= kv_limits::ops_per_txn_max);
  kv_request request;
  for (const auto& key : keys) request.success.push_back(range_op(key));
  auto response = nearby ? port.call_nearby(request) : port.call(request);
  if (!response) return response.error();
  if (response->results.size() != keys.size()) {
    return status(status_code::internal, fmt::format("zone state answered {} results for {} reads",
                                                     response->results.size(), keys.size()));
  }
  read_set seen;
  seen.revision = response->revision;
  for (const auto& op_result : response->results) {
    for (const auto& kv : op_result.kvs) seen.found[kv.key] = kv;
  }
  return seen;
}

void txn_plan::expect(const std::string& key, const read_set& seen) {
  const key_value* kv = seen.find(key);
  expected_[key] = kv ? kv->mod_revision : 0;
}

void txn_plan::expect_absent(const std::string& key) { expected_[key] = 0; }

void txn_plan::put(const std::string& key, std::string value) { writes_[key] = std::move(value); }

void txn_plan::remove(const std::string& key) { writes_[key] = std::nullopt; }

void txn_plan::remove_range(const std::string& key, const std::string& range_end) {
  ranges_.emplace_back(key, range_end);
}

kv_request txn_plan::request() const {
  kv_request request;
  for (const auto& [key, mod_revision] : expected_) {
    kv_compare compare;
    compare.key = key;
    compare.target = kv_compare_target::mod_revision;
    compare.result = kv_compare_result::equal;
    compare.number = mod_revision;
    request.compares.push_back(std::move(compare));
  }
  for (const auto& [key, value] : writes_) {
    kv_op op;
    op.key = key;
    op.kind = value ? kv_op_kind::put : kv_op_kind::delete_range;
    if (value) op.value = *value;
    request.success.push_back(std::move(op));
  }
  for (const auto& [key, range_end] : ranges_) {
    kv_op op;
    op.kind = kv_op_kind::delete_range;
    op.key = key;
    op.range_end = range_end;
    request.success.push_back(std::move(op));
  }
  return request;
}

}  // namespace bucky::zone_fs
