// The zone file system's way to the zone state, as one blocking call: the node
// carries it to its state client or replica (zone_fs/actor_ports.hpp), the tests
// and the simulator to a kv_machine in memory. Everything in zone_fs above this
// is plain code over it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "messages/common/status.hpp"
#include "messages/kv.hpp"
#include "messages/kv_client.hpp"

namespace bucky::zone_fs {

class kv_port {
 public:
  virtual ~kv_port() = default;
  // One request, applied linearizably (through the zone state's log). A failed
  // compare is a response with succeeded == false, not an error; an error is the
  // zone state's (unavailable, timeout, permission_denied, invalid_argument).
  virtual result<kv_response> call(const kv_request& request) = 0;
  // A read-only request answered from a nearby replica's applied state, without
  // the leader (may lag the latest commit by a moment): attributes and listings a
  // person looks at. Never for what a txn is planned on. The same as call() where
  // there is no nearby replica.
  virtual result<kv_response> call_nearby(const kv_request& request) { return call(request); }
};

// A zone-state answer as a port returns it: the response, or the refusal (its
// code), or invalid_argument for a request the state machine rejected.
result<kv_response> response_of(kv_client_response answer);

// Keys read together at one revision, each with its numbers (absent: not there).
struct read_set {
  std::int64_t revision = 0;
  std::map<std::string, key_value> found;
  const key_value* find(const std::string& key) const;
};

// Reads up to kv_limits::ops_per_txn_max keys in one request (one revision);
// `nearby`: through call_nearby.
result<read_set> read_keys(kv_port& port, const std::vector<std::string>& keys, bool nearby = false);

// A transaction being planned: the keys it read (each must be unchanged, or still
// absent, when it applies) and the writes it makes. Writes to one key are merged
// (the last wins), so a plan can update a directory twice (rename within it).
class txn_plan {
 public:
  // No txn: what was read changed between two reads; plan again from a fresh read.
  static txn_plan read_again() {
    txn_plan plan;
    plan.read_again_ = true;
    return plan;
  }
  bool wants_read_again() const { return read_again_; }
  // The key must still be as it was read: same mod_revision, or still absent.
  void expect(const std::string& key, const read_set& seen);
  void expect_absent(const std::string& key);
  void expect_revision(const std::string& key, std::int64_t mod_revision) { expected_[key] = mod_revision; }
  void put(const std::string& key, std::string value);
  void remove(const std::string& key);
  // Deletes [key, range_end) after the single-key writes.
  void remove_range(const std::string& key, const std::string& range_end);
  kv_request request() const;
  std::size_t writes() const { return writes_.size() + ranges_.size(); }

 private:
  bool read_again_ = false;
  std::map<std::string, std::int64_t> expected_;  // key -> mod_revision (0: absent)
  std::map<std::string, std::optional<std::string>> writes_;  // nullopt: delete
  std::vector<std::pair<std::string, std::string>> ranges_;
};

}  // namespace bucky::zone_fs
