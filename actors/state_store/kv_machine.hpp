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
  const std::map<std::string, key_value>& data() const { return data_; }
  const std::vector<std::pair<std::int64_t, kv_event>>& events() const { return events_; }

 private:
  std::map<std::string, key_value> data_;
  std::vector<std::pair<std::int64_t, kv_event>> events_;
  std::int64_t revision_ = 0;
};

// Applies a request that passed validate(). Never fails for a valid request.
kv_response apply_kv_request(kv_backend& backend, const kv_request& request);

// The range_end that selects every key starting with `prefix` (etcd's --prefix).
std::string prefix_range_end(const std::string& prefix);

}  // namespace bucky
