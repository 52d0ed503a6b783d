#include "actors/zone_state/kv_machine.hpp"

#include "messages/common/check.hpp"

namespace bucky {

namespace {

const std::string everything_after("\0", 1);

bool compare_holds(kv_backend& backend, const kv_compare& compare) {
  auto current = backend.get(compare.key);
  int order = 0;
  if (compare.target == kv_compare_target::value) {
    if (!current) return false;  // etcd: a value compare on a missing key fails
    order = current->value.compare(compare.value);
  } else {
    std::int64_t actual = 0;
    if (current) {
      actual = compare.target == kv_compare_target::version           ? current->version
               : compare.target == kv_compare_target::create_revision ? current->create_revision
                                                                      : current->mod_revision;
    }
    order = actual < compare.number ? -1 : actual > compare.number ? 1 : 0;
  }
  switch (compare.result) {
    case kv_compare_result::equal: return order == 0;
    case kv_compare_result::not_equal: return order != 0;
    case kv_compare_result::greater: return order > 0;
    case kv_compare_result::less: return order < 0;
  }
  return false;
}

// The keys an op addresses: one key, or an interval.
void visit_range(kv_backend& backend, const kv_op& op, const std::function<bool(const key_value&)>& visit) {
  if (op.range_end.empty()) {
    if (auto one = backend.get(op.key)) visit(*one);
    return;
  }
  backend.scan(op.key, op.range_end, visit);
}

// Counts `record` against the response budget; the first record always fits.
bool fits(std::size_t& bytes, const key_value& record) {
  std::size_t size = record.key.size() + record.value.size() + 64;
  if (bytes > 0 && bytes + size > kv_limits::response_bytes_max) return false;
  bytes += size;
  return true;
}

kv_op_result apply_op(kv_backend& backend, const kv_op& op, std::int64_t write_revision, bool& changed,
                      const std::string& principal, std::int64_t lease_pick) {
  kv_op_result result;
  result.kind = op.kind;
  switch (op.kind) {
    case kv_op_kind::range: {
      std::size_t limit = op.limit == 0 ? kv_limits::range_results_max
                                        : std::min<std::size_t>(op.limit, kv_limits::range_results_max);
      std::size_t bytes = 0;
      visit_range(backend, op, [&](const key_value& record) {
        ++result.count;
        if (result.kvs.size() < limit && fits(bytes, record)) result.kvs.push_back(record);
        else result.more = true;
        return true;
      });
      break;
    }
    case kv_op_kind::put: {
      auto previous = backend.get(op.key);
      if (previous && previous->lease != 0 && previous->lease != op.lease) backend.detach(previous->lease, op.key);
      if (op.lease != 0) backend.attach(op.lease, op.key);
      key_value record{op.key, op.value, previous ? previous->create_revision : write_revision, write_revision,
                       previous ? previous->version + 1 : 1, op.lease};
      backend.put(record);
      backend.record_event(write_revision, {kv_event_kind::put, record});
      if (op.prev_kv && previous) result.kvs.push_back(*previous);
      changed = true;
      break;
    }
    case kv_op_kind::delete_range: {
      std::vector<key_value> doomed;
      visit_range(backend, op, [&](const key_value& record) {
        doomed.push_back(record);
        return true;
      });
      for (const auto& record : doomed) {
        BUCKY_CHECK(backend.erase(record.key));
        if (record.lease != 0) backend.detach(record.lease, record.key);
        backend.record_event(write_revision, {kv_event_kind::remove, {record.key, {}, 0, write_revision, 0, 0}});
      }
      result.deleted = static_cast<std::int64_t>(doomed.size());
      if (op.prev_kv) {
        std::size_t bytes = 0;
        for (auto& record : doomed) {
          if (!fits(bytes, record)) {
            result.more = true;
            break;
          }
          result.kvs.push_back(std::move(record));
        }
      }
      changed = changed || result.deleted > 0;
      break;
    }
    case kv_op_kind::lease_grant: {
      result.lease = op.lease != 0 ? op.lease : ((lease_pick != 0 ? lease_pick : write_revision) | picked_lease_id_bit);
      if (auto existing = backend.get_lease(result.lease)) {
        result.ttl_s = existing->ttl_s;  // granted before (a retry): the same lease
        break;
      }
      backend.put_lease({result.lease, op.ttl_s, principal});
      result.ttl_s = op.ttl_s;
      changed = true;
      break;
    }
    case kv_op_kind::lease_revoke: {
      result.lease = op.lease;
      for (const auto& key : backend.lease_keys(op.lease)) {
        BUCKY_CHECK(backend.erase(key));
        backend.record_event(write_revision, {kv_event_kind::remove, {key, {}, 0, write_revision, 0, 0}});
        ++result.deleted;
      }
      backend.erase_lease(op.lease);
      changed = true;
      break;
    }
    case kv_op_kind::lease_keepalive: {  // read-only here: the leader's shell extends the deadline
      result.lease = op.lease;
      result.ttl_s = backend.get_lease(op.lease)->ttl_s;
      break;
    }
  }
  return result;
}

// The zone state itself and the owner may use any lease; everyone else only theirs.
bool may_use(const lease_record& lease, const std::string& principal) {
  return principal.empty() || principal == owner_principal || lease.owner == principal;
}

// Every lease the chosen ops name must exist (a grant names the one it creates) and
// belong to the principal (a grant of an existing id is a retry of its grantor).
std::optional<std::string> refused_lease(kv_backend& backend, const std::vector<kv_op>& ops,
                                         const std::string& principal) {
  for (const auto& op : ops) {
    if (op.lease == 0) continue;
    auto lease = backend.get_lease(op.lease);
    if (!lease && op.kind != kv_op_kind::lease_grant) {
      return "lease " + std::to_string(op.lease) + " not found (expired or revoked?): grant a new one";
    }
    if (lease && !may_use(*lease, principal)) {
      return "lease " + std::to_string(op.lease) + " was granted to another caller: only its grantor or the owner may " +
             (op.kind == kv_op_kind::put ? "attach keys to it" : "use it");
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<key_value> memory_kv_backend::get(const std::string& key) {
  auto found = data_.find(key);
  if (found == data_.end()) return std::nullopt;
  return found->second;
}

void memory_kv_backend::scan(const std::string& from, const std::string& end,
                             const std::function<bool(const key_value&)>& visit) {
  for (auto it = data_.lower_bound(from); it != data_.end(); ++it) {
    if (end != everything_after && it->first >= end) break;
    if (!visit(it->second)) break;
  }
}

std::optional<lease_record> memory_kv_backend::get_lease(std::int64_t id) {
  auto found = leases_.find(id);
  if (found == leases_.end()) return std::nullopt;
  return found->second;
}

std::vector<std::string> memory_kv_backend::lease_keys(std::int64_t lease) {
  auto found = lease_keys_.find(lease);
  if (found == lease_keys_.end()) return {};
  return {found->second.begin(), found->second.end()};
}

std::string prefix_range_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return everything_after;  // every byte was 0xff: no key is greater
}

kv_response apply_kv_request(kv_backend& backend, const kv_request& request) {
  BUCKY_CHECK_MSG(validate(request).is_ok(), validate(request).to_string());
  kv_response response;
  for (const auto& compare : request.compares) {
    if (!compare_holds(backend, compare)) {
      response.succeeded = false;
      break;
    }
  }
  const auto& ops = response.succeeded ? request.success : request.failure;
  const std::int64_t before = backend.revision();
  if (auto refused = refused_lease(backend, ops, request.principal)) {
    response.error = *refused;
    response.revision = before;
    return response;
  }
  bool changed = false;
  for (const auto& op : ops) response.results.push_back(apply_op(backend, op, before + 1, changed, request.principal, request.lease_pick));
  if (changed) backend.set_revision(before + 1);
  response.revision = backend.revision();
  BUCKY_CHECK(response.revision == before + (changed ? 1 : 0));
  return response;
}

}  // namespace bucky
