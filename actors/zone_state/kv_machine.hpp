// The zone state's key-value state machine: applies one kv_request to a backend the
// way etcd v3 does. Plain code: the backend is an in-memory map in tests and the
// simulator, and an LMDB write transaction in the node (applied with the slot that
// carried it, in the same transaction, so a restart resumes exactly).
//
// Revisions: the store's revision rises by one for each request that changes
// something (a put always does; a delete that matched nothing and pure reads do not).
// Every write of one request carries that one revision. Reads inside a txn see the
// txn's earlier writes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "messages/kv.hpp"

namespace bucky {

class kv_backend {
 public:
  virtual ~kv_backend() = default;
  virtual std::optional<key_value> get(const std::string& key) = 0;
  virtual void put(const key_value& record) = 0;
  virtual bool erase(const std::string& key) = 0;
  // Keys >= from and < end (end "\0": no end), in order, until visit returns false.
  virtual void scan(const std::string& from, const std::string& end,
                    const std::function<bool(const key_value&)>& visit) = 0;
  virtual std::int64_t revision() = 0;
  virtual void set_revision(std::int64_t revision) = 0;
  // Appends a change to the history watchers read (in apply order).
  virtual void record_event(std::int64_t revision, const kv_event& event) = 0;
  virtual std::optional<lease_record> get_lease(std::int64_t id) = 0;
  virtual void put_lease(const lease_record& lease) = 0;
  virtual void erase_lease(std::int64_t id) = 0;
  // The index from a lease to the keys attached to it.
  virtual void attach(std::int64_t lease, const std::string& key) = 0;
  virtual void detach(std::int64_t lease, const std::string& key) = 0;
  virtual std::vector<std::string> lease_keys(std::int64_t lease) = 0;
};

class memory_kv_backend final : public kv_backend {
 public:
  std::optional<key_value> get(const std::string& key) override;
  void put(const key_value& record) override { data_[record.key] = record; }
  bool erase(const std::string& key) override { return data_.erase(key) > 0; }
  void scan(const std::string& from, const std::string& end,
            const std::function<bool(const key_value&)>& visit) override;
  std::int64_t revision() override { return revision_; }
  void set_revision(std::int64_t revision) override { revision_ = revision; }
  void record_event(std::int64_t revision, const kv_event& event) override { events_.push_back({revision, event}); }
  std::optional<lease_record> get_lease(std::int64_t id) override;
  void put_lease(const lease_record& lease) override { leases_[lease.id] = lease; }
  void erase_lease(std::int64_t id) override { leases_.erase(id); }
  void attach(std::int64_t lease, const std::string& key) override { lease_keys_[lease].insert(key); }
  void detach(std::int64_t lease, const std::string& key) override { lease_keys_[lease].erase(key); }
  std::vector<std::string> lease_keys(std::int64_t lease) override;
  const std::map<std::string, key_value>& data() const { return data_; }
  const std::vector<std::pair<std::int64_t, kv_event>>& events() const { return events_; }

 private:
  std::map<std::string, key_value> data_;
  std::vector<std::pair<std::int64_t, kv_event>> events_;
  std::map<std::int64_t, lease_record> leases_;
  std::map<std::int64_t, std::set<std::string>> lease_keys_;
  std::int64_t revision_ = 0;
};

// Lease ids the store picks have this bit set; ids a client picks must not. The
// replica that admits a grant without an id picks a random one (principal.hpp), so
// ids cannot be guessed; the store's own pick (the revision) serves tests only.
inline constexpr std::int64_t picked_lease_id_bit = std::int64_t{1} << 62;
// The principal of the zone's owner (kv_request::principal).
inline constexpr const char* owner_principal = "owner";

// Applies a request that passed validate(). Never fails for a valid request: one
// naming a missing lease, or another principal's lease, gets response.error and
// changes nothing.
kv_response apply_kv_request(kv_backend& backend, const kv_request& request);

// The range_end that selects every key starting with `prefix` (etcd's --prefix).
std::string prefix_range_end(const std::string& prefix);

}  // namespace bucky
