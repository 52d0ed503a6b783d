#include "actors/zone_state/kv_store.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "messages/codec.hpp"
#include "storage/encoding.hpp"
#include "messages/common/check.hpp"

namespace bucky {

namespace {

constexpr std::string_view revision_key = "revision";
constexpr std::string_view applied_key = "applied_below";
constexpr std::string_view events_from_key = "events_from";

struct stored_event {
  static constexpr const char* type_name = "kv.events record";
  kv_event value;
  MSGPACK_DEFINE(value);
};

// kv.clients_by_slot: slot + client_id, so the idle clients are the first keys.
std::string client_age_key(slot_id slot, std::uint64_t client_id) {
  return storage::big_endian_key(slot) + storage::big_endian_key(client_id);
}

std::string lease_key(std::int64_t id) { return storage::big_endian_key(static_cast<std::uint64_t>(id)); }

std::string event_key(std::int64_t revision, std::uint32_t index) {
  auto key = storage::big_endian_key(static_cast<std::uint64_t>(revision));
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>((index >> shift) & 0xff));
  return key;
}

std::pair<std::int64_t, std::uint32_t> parse_event_key(std::string_view key) {
  BUCKY_CHECK_MSG(key.size() == 12, "kv.events key is not 12 bytes");
  auto revision = storage::from_big_endian_key(key.substr(0, 8), "kv.events revision").value();
  std::uint32_t index = 0;
  for (std::size_t i = 8; i < 12; ++i) index = (index << 8) | static_cast<unsigned char>(key[i]);
  return {static_cast<std::int64_t>(revision), index};
}

bool in_range(const std::string& key, const std::string& from, const std::string& end) {
  if (end.empty()) return key == from;
  if (end == std::string("\0", 1)) return key >= from;
  return key >= from && key < end;
}

using storage::as_bytes;
using storage::as_text;

struct stored_key_value {
  static constexpr const char* type_name = "kv.data record";
  key_value value;
  MSGPACK_DEFINE(value);
};

struct client_record {
  static constexpr const char* type_name = "kv.clients record";
  std::uint64_t sequence = 0;
  std::vector<std::uint8_t> response;  // encoded kv_response, when it succeeded
  std::uint8_t error_code = 0;         // a status_code, when it was refused
  std::string error_message;
  slot_id slot = 0;                    // where it was applied (for forgetting idle clients)
  MSGPACK_DEFINE(sequence, response, error_code, error_message, slot);
};

// A read of the state failed. Damage the checks found (a corruption status) is
// not a bug in this code but the disk's: it travels as stored_state_damaged, which
// reads turn back into their status and which otherwise crashes the replica with
// the words (the corruption marker makes the next start rebuild). Anything else
// LMDB refuses here is a broken invariant.
struct stored_state_damaged : std::runtime_error {
  explicit stored_state_damaged(status s) : std::runtime_error(s.to_string()), why(std::move(s)) {}
  status why;
};

void check_read(const status& read) {
  if (read.code() == status_code::corruption) throw stored_state_damaged(read);
  BUCKY_CHECK_MSG(read.is_ok(), read.to_string());
}

template <class T>
void check_read(const result<T>& read) {
  if (!read) check_read(read.error());
}

// kv_backend over one LMDB transaction. A record that does not decode is a broken
// invariant of our own disk: crash (the supervisor restarts; the data dir needs
// restoring).
class lmdb_kv_backend final : public kv_backend {
 public:
  lmdb_kv_backend(const storage::read_txn& txn, storage::write_txn* writer, const storage::lmdb_table& data,
                  const storage::lmdb_table& meta, const lease_tables* leases = nullptr,
                  const storage::lmdb_table* events = nullptr)
      : txn_(txn), writer_(writer), data_(data), meta_(meta), leases_(leases), events_(events) {}

  std::optional<lease_record> get_lease(std::int64_t id) override {
    BUCKY_CHECK(leases_ != nullptr);
    auto stored = txn_.get(leases_->leases, lease_key(id));
    check_read(stored);
    if (!stored->has_value()) return std::nullopt;
    auto decoded = decode<lease_record>(as_bytes(**stored));
    BUCKY_CHECK_MSG(decoded.has_value(), decoded.error().to_string());
    return *decoded;
  }
  void put_lease(const lease_record& lease) override {
    BUCKY_CHECK(writer_ != nullptr && leases_ != nullptr);
    auto done = writer_->put(leases_->leases, lease_key(lease.id), as_text(encode(lease)));
    BUCKY_CHECK_MSG(done.is_ok(), done.to_string());
  }
  void erase_lease(std::int64_t id) override {
    BUCKY_CHECK(writer_ != nullptr && leases_ != nullptr);
    auto done = writer_->erase(leases_->leases, lease_key(id));
    BUCKY_CHECK_MSG(done.has_value(), done.error().to_string());
  }
  void attach(std::int64_t lease, const std::string& key) override {
    BUCKY_CHECK(writer_ != nullptr && leases_ != nullptr);
    auto done = writer_->put(leases_->keys, lease_key(lease) + key, "");
    BUCKY_CHECK_MSG(done.is_ok(), done.to_string());
  }
  void detach(std::int64_t lease, const std::string& key) override {
    BUCKY_CHECK(writer_ != nullptr && leases_ != nullptr);
    auto done = writer_->erase(leases_->keys, lease_key(lease) + key);
    BUCKY_CHECK_MSG(done.has_value(), done.error().to_string());
  }
  std::vector<std::string> lease_keys(std::int64_t lease) override {
    BUCKY_CHECK(leases_ != nullptr);
    std::vector<std::string> keys;
    const auto prefix = lease_key(lease);
    auto done = txn_.scan(leases_->keys, prefix, SIZE_MAX, [&](std::string_view key, std::string_view) {
      if (key.substr(0, prefix.size()) != prefix) return false;
      keys.emplace_back(key.substr(prefix.size()));
      return true;
    });
    check_read(done);
    return keys;
  }

  void record_event(std::int64_t revision, const kv_event& event) override {
    BUCKY_CHECK(writer_ != nullptr && events_ != nullptr);
    if (revision != event_revision_) {
      event_revision_ = revision;
      event_index_ = 0;
    }
    auto done = writer_->put(*events_, event_key(revision, event_index_++), as_text(encode(stored_event{event})));
    BUCKY_CHECK_MSG(done.is_ok(), done.to_string());
  }

  std::optional<key_value> get(const std::string& key) override {
    auto stored = txn_.get(data_, key);
    check_read(stored);
    if (!stored->has_value()) return std::nullopt;
    return decode_record(**stored);
  }
  void put(const key_value& record) override {
    BUCKY_CHECK(writer_ != nullptr);
    auto done = writer_->put(data_, record.key, as_text(encode(stored_key_value{record})));
    BUCKY_CHECK_MSG(done.is_ok(), done.to_string());
  }
  bool erase(const std::string& key) override {
    BUCKY_CHECK(writer_ != nullptr);
    auto done = writer_->erase(data_, key);
    BUCKY_CHECK_MSG(done.has_value(), done.error().to_string());
    return *done;
  }
  void scan(const std::string& from, const std::string& end,
            const std::function<bool(const key_value&)>& visit) override {
    const bool unbounded = end == std::string("\0", 1);
    auto done = txn_.scan(data_, from, SIZE_MAX, [&](std::string_view key, std::string_view value) {
      if (!unbounded && key >= end) return false;
      return visit(decode_record(value));
    });
    check_read(done);
  }
  std::int64_t revision() override {
    auto stored = txn_.get(meta_, revision_key);
    check_read(stored);
    if (!stored->has_value()) return 0;
    auto number = storage::from_big_endian_key(**stored, "kv.meta revision");
    BUCKY_CHECK_MSG(number.has_value(), number.error().to_string());
    return static_cast<std::int64_t>(*number);
  }
  void set_revision(std::int64_t revision) override {
    BUCKY_CHECK(writer_ != nullptr && revision >= 0);
    auto done = writer_->put(meta_, revision_key, storage::big_endian_key(static_cast<std::uint64_t>(revision)));
    BUCKY_CHECK_MSG(done.is_ok(), done.to_string());
  }

 private:
  static key_value decode_record(std::string_view value) {
    auto decoded = decode<stored_key_value>(as_bytes(value));
    BUCKY_CHECK_MSG(decoded.has_value(), decoded.error().to_string());
    return decoded->value;
  }

  const storage::read_txn& txn_;
  storage::write_txn* writer_;
  const storage::lmdb_table& data_;
  const storage::lmdb_table& meta_;
  const lease_tables* leases_;
  const storage::lmdb_table* events_;
  std::int64_t event_revision_ = -1;
  std::uint32_t event_index_ = 0;
};

}  // namespace

// The order is the constructor's: data, meta, clients, events, leases, lease_keys,
// clients_by_slot.
constexpr const char* state_table_names[] = {"kv.data",   "kv.meta",       "kv.clients",       "kv.events",
                                             "kv.leases", "kv.lease_keys", "kv.clients_by_slot"};

result<kv_store> kv_store::open(storage::lmdb_env& env) {
  std::vector<storage::lmdb_table> live, staged;
  for (const char* name : state_table_names) {
    // Every value is checked on read (row_check.hpp) except in the two tables whose
    // values are empty (all they hold is in their keys).
    const bool checked = std::string_view(name) != "kv.lease_keys" && std::string_view(name) != "kv.clients_by_slot";
    auto table = env.table(name, checked);
    if (!table) return table.error();
    live.push_back(*table);
    auto staging = env.table(std::string("snap.") + name, checked);
    if (!staging) return staging.error();
    staged.push_back(*staging);
  }
  kv_store store(env, std::move(live), std::move(staged));
  auto txn = env.begin_read();
  if (!txn) return txn.error();
  auto applied = store.read_applied_below(*txn, store.meta_);
  if (!applied) return applied.error();
  store.applied_below_ = store.durable_applied_below_ = *applied;
  return store;
}

result<slot_id> kv_store::read_applied_below(const storage::read_txn& txn, const storage::lmdb_table& meta) const {
  auto stored = txn.get(meta, applied_key);
  if (!stored) return stored.error();
  if (!stored->has_value()) return slot_id{0};
  return storage::from_big_endian_key(**stored, env_->options().path + ": " + meta.name + " applied_below");
}

result<kv_snapshot_reader> kv_store::begin_snapshot() {
  if (auto committed = commit_batch(); !committed.is_ok()) return committed;
  auto txn = env_->begin_read();
  if (!txn) return txn.error();
  auto applied = read_applied_below(*txn, meta_);
  if (!applied) return applied.error();
  return kv_snapshot_reader(std::move(*txn), live_, *applied);
}

status kv_store::stage_snapshot_chunk(const paxos_snapshot_chunk& chunk) {
  if (auto committed = commit_batch(); !committed.is_ok()) return committed;
  auto txn = env_->begin_write();
  if (!txn) return txn.error();
  if (chunk.chunk == 0) {
    for (const auto& table : staged_) {
      if (auto cleared = txn->clear(table); !cleared.is_ok()) return cleared;
    }
  }
  for (const auto& record : chunk.records) {
    auto live = std::find_if(live_.begin(), live_.end(), [&](const auto& t) { return t.name == record.table; });
    if (live == live_.end()) {
      return status(status_code::invalid_argument,
                    fmt::format("snapshot {} chunk {} names an unknown table \"{}\"", chunk.snapshot_id, chunk.chunk,
                                record.table.substr(0, 64)));
    }
    auto put = txn->put(staged_[live - live_.begin()], as_text(record.key), as_text(record.value));
    if (!put.is_ok()) return put;
  }
  return txn->commit();
}

status kv_store::install_staged_snapshot(slot_id applied_below) {
  if (auto committed = commit_batch(); !committed.is_ok()) return committed;
  auto txn = env_->begin_write();
  if (!txn) return txn.error();
  auto staged_applied = read_applied_below(*txn, staged_[1]);
  if (!staged_applied) return staged_applied.error();
  if (*staged_applied != applied_below) {
    return status(status_code::invalid_argument,
                  fmt::format("the staged snapshot holds {} applied slots, its sender said {}", *staged_applied,
                              applied_below));
  }
  for (std::size_t t = 0; t < live_.size(); ++t) {
    if (auto cleared = txn->clear(live_[t]); !cleared.is_ok()) return cleared;
    status copied;
    auto scanned = txn->scan(staged_[t], "", SIZE_MAX, [&](std::string_view key, std::string_view value) {
      copied = txn->put(live_[t], key, value);
      return copied.is_ok();
    });
    if (!scanned.is_ok()) return scanned;
    if (!copied.is_ok()) return copied;
    if (auto cleared = txn->clear(staged_[t]); !cleared.is_ok()) return cleared;
  }
  if (auto committed = txn->commit(); !committed.is_ok()) return committed;
  applied_below_ = durable_applied_below_ = applied_below;
  return {};
}

result<std::vector<command_outcome>> kv_store::apply_slot(slot_id slot, const std::vector<std::uint8_t>& value) {
  auto outcomes = apply_to_batch(slot, value);
  if (!outcomes) return outcomes;
  if (auto committed = commit_batch(); !committed.is_ok()) return committed;
  return outcomes;
}

result<std::vector<command_outcome>> kv_store::apply_to_batch(slot_id slot, const std::vector<std::uint8_t>& value) {
  if (!batch_) {
    auto txn = env_->begin_write();
    if (!txn) return txn.error();
    batch_.emplace(std::move(*txn));
  }
  auto outcomes = apply_slot(*batch_, slot, value);
  if (!outcomes) {
    abort_batch();
    return outcomes;
  }
  ++batch_slots_;
  batch_bytes_ += value.size();
  return outcomes;
}

status kv_store::commit_batch() {
  if (!batch_) return {};
  auto committed = batch_->commit();
  if (committed.is_ok()) durable_applied_below_ = applied_below_;
  abort_batch();  // the transaction is over either way; after a failure the applied index goes back
  return committed;
}

void kv_store::abort_batch() {
  batch_.reset();
  batch_slots_ = 0;
  batch_bytes_ = 0;
  applied_below_ = durable_applied_below_;
}

result<const storage::read_txn*> kv_store::reader(std::optional<storage::read_txn>& fresh) const {
  if (batch_) return static_cast<const storage::read_txn*>(&*batch_);
  auto txn = env_->begin_read();
  if (!txn) return txn.error();
  fresh.emplace(std::move(*txn));
  return static_cast<const storage::read_txn*>(&*fresh);
}

result<std::int64_t> kv_store::revision() const {
  std::optional<storage::read_txn> fresh;
  auto txn = reader(fresh);
  if (!txn) return txn.error();
  lmdb_kv_backend backend(**txn, nullptr, data_, meta_);
  return backend.revision();
}

result<std::vector<command_outcome>> kv_store::apply_slot(storage::write_txn& txn, slot_id slot,
                                                          const std::vector<std::uint8_t>& value) {
  BUCKY_CHECK_MSG(slot == applied_below_, fmt::format("applying slot {} but {} is next", slot, applied_below_));
  std::vector<command_outcome> outcomes;
  if (!value.empty()) {  // empty: a no-op slot
    auto batch = decode<command_batch>(value);
    BUCKY_CHECK_MSG(batch.has_value(), fmt::format("chosen slot {} is not a command batch: {}", slot,
                                                   batch.error().to_string()));
    lmdb_kv_backend backend(txn, &txn, data_, meta_, &leases_, &events_);
    for (const auto& command : batch->commands) {
      command_outcome outcome{command.client_id, command.sequence, false, std::nullopt, {}};
      if (command.client_id == internal_client_id) {  // the leader's own (lease expiry): no retries
        auto request = decode<kv_request>(command.operation);
        status valid = request ? validate(*request) : request.error();
        if (valid.is_ok()) outcome.response = apply_kv_request(backend, *request);
        else outcome.error = valid;
        outcomes.push_back(std::move(outcome));
        continue;
      }
      auto client_key = storage::big_endian_key(command.client_id);
      auto last = txn.get(clients_, client_key);
      if (!last) return last.error();
      std::optional<client_record> record;
      if (last->has_value()) {
        auto decoded = decode<client_record>(as_bytes(**last));
        BUCKY_CHECK_MSG(decoded.has_value(), decoded.error().to_string());
        record = *decoded;
      }
      if (record && command.sequence <= record->sequence) {
        // A retry: the same answer as the first time (when it is the last one kept).
        outcome.duplicate = true;
        if (command.sequence < record->sequence) {
          outcome.error = status(status_code::already_exists, "command sequence already applied");
        } else if (record->error_code != 0) {
          outcome.error = status(static_cast<status_code>(record->error_code), record->error_message);
        } else {
          outcome.response = decode<kv_response>(record->response).value();
        }
        outcomes.push_back(std::move(outcome));
        continue;
      }
      auto request = decode<kv_request>(command.operation);
      status valid = request ? validate(*request) : request.error();
      if (valid.is_ok()) {
        outcome.response = apply_kv_request(backend, *request);
      } else {
        outcome.error = valid;
      }
      client_record remembered{command.sequence, {}, 0, {}, slot};
      if (outcome.response) {
        remembered.response = encode(*outcome.response);
        if (remembered.response.size() > client_response_bytes_max) {  // too big to keep for a retry
          remembered.response.clear();
          remembered.error_code = static_cast<std::uint8_t>(status_code::already_exists);
          remembered.error_message = "applied before; its answer was too large to keep for a retry: read the state";
        }
      } else {
        remembered.error_code = static_cast<std::uint8_t>(outcome.error.code());
        remembered.error_message = outcome.error.message();
      }
      if (record) {
        if (auto erased = txn.erase(clients_by_slot_, client_age_key(record->slot, command.client_id)); !erased) {
          return erased.error();
        }
      }
      auto put = txn.put(clients_, client_key, as_text(encode(remembered)));
      if (!put.is_ok()) return put;
      put = txn.put(clients_by_slot_, client_age_key(slot, command.client_id), "");
      if (!put.is_ok()) return put;
      outcomes.push_back(std::move(outcome));
    }
  }
  if (auto trimmed = trim_events(txn); !trimmed.is_ok()) return trimmed;
  if (auto forgotten = forget_clients(txn, slot); !forgotten.is_ok()) return forgotten;
  if (auto put = txn.put(meta_, applied_key, storage::big_endian_key(slot + 1)); !put.is_ok()) return put;
  applied_below_ = slot + 1;
  return outcomes;
}

// A client that sent nothing for client_idle_slots slots is forgotten: a retry
// that late would apply again. A few at a time, so no apply carries a big purge.
status kv_store::forget_clients(storage::write_txn& txn, slot_id slot) {
  if (slot < client_idle_slots) return {};
  const auto end = client_age_key(slot - client_idle_slots, 0);
  std::vector<std::string> idle;
  auto scanned = txn.scan(clients_by_slot_, "", clients_forgotten_per_slot_max, [&](std::string_view key, std::string_view) {
    if (key >= end) return false;
    idle.emplace_back(key.substr(8));  // the client_id part
    return true;
  });
  if (!scanned.is_ok()) return scanned;
  for (const auto& client : idle) {
    if (auto erased = txn.erase(clients_, client); !erased) return erased.error();
  }
  auto erased = txn.erase_below(clients_by_slot_, end, clients_forgotten_per_slot_max);
  return erased ? status{} : erased.error();
}

result<std::int64_t> kv_store::events_from(const storage::read_txn& txn) const {
  auto stored = txn.get(meta_, events_from_key);
  if (!stored) return stored.error();
  if (!stored->has_value()) return std::int64_t{1};
  auto number = storage::from_big_endian_key(**stored, env_->options().path + ": kv.meta events_from");
  if (!number) return number.error();
  return static_cast<std::int64_t>(*number);
}

// Keeps the last events_retain_revisions of history, trimming in steps.
status kv_store::trim_events(storage::write_txn& txn) {
  lmdb_kv_backend backend(txn, nullptr, data_, meta_);
  const auto revision = backend.revision();
  auto from = events_from(txn);
  if (!from) return from.error();
  if (revision - *from < events_retain_revisions + events_trim_step_revisions) return {};
  const auto new_from = revision - events_retain_revisions;
  if (auto erased = txn.erase_below(events_, event_key(new_from, 0)); !erased) return erased.error();
  return txn.put(meta_, events_from_key, storage::big_endian_key(static_cast<std::uint64_t>(new_from)));
}

result<watch_batch> kv_store::watch(const kv_watch_request& request) const {
  if (auto valid = validate(request); !valid.is_ok()) return valid;
  std::optional<storage::read_txn> fresh;
  auto txn = reader(fresh);
  if (!txn) return txn.error();
  lmdb_kv_backend backend(**txn, nullptr, data_, meta_);
  watch_batch batch;
  batch.revision = backend.revision();
  auto from = events_from(**txn);
  if (!from) return from.error();
  batch.compact_revision = *from;
  batch.next_revision = request.start_revision == 0 ? batch.revision + 1 : request.start_revision;
  batch.next_index = request.start_revision == 0 ? 0 : request.start_index;
  if (batch.next_revision < *from) {
    return status(status_code::not_found,
                  fmt::format("watch from revision {}: the history before revision {} was compacted; read the "
                              "current state (revision {}) and watch from revision {}",
                              batch.next_revision, *from, batch.revision, batch.revision + 1));
  }
  std::size_t scanned_count = 0, bytes = 0;
  auto scanned = (*txn)->scan(events_, event_key(batch.next_revision, batch.next_index), watch_limits::scanned_events_max,
                           [&](std::string_view key, std::string_view value) {
                             auto event = decode<stored_event>(as_bytes(value));
                             BUCKY_CHECK_MSG(event.has_value(), event.error().to_string());
                             const auto& kv = event->value.kv;
                             if (in_range(kv.key, request.key, request.range_end)) {
                               std::size_t size = kv.key.size() + kv.value.size() + 64;
                               if (!batch.events.empty() && (batch.events.size() >= request.events_max ||
                                                             bytes + size > kv_limits::response_bytes_max)) {
                                 return false;
                               }
                               bytes += size;
                               batch.events.push_back(event->value);
                             }
                             auto [revision, index] = parse_event_key(key);
                             batch.next_revision = revision;
                             batch.next_index = index + 1;
                             ++scanned_count;
                             return true;
                           });
  if (!scanned.is_ok()) return scanned;
  return batch;
}

result<std::vector<lease_record>> kv_store::leases() const {
  std::optional<storage::read_txn> fresh;
  auto txn = reader(fresh);
  if (!txn) return txn.error();
  std::vector<lease_record> all;
  status problem;
  auto scanned = (*txn)->scan(leases_.leases, "", SIZE_MAX, [&](std::string_view, std::string_view value) {
    auto lease = decode<lease_record>(as_bytes(value));
    if (!lease) {
      problem = status(status_code::corruption, env_->options().path + ": kv.leases: " + lease.error().message());
      return false;
    }
    all.push_back(*lease);
    return true;
  });
  if (!scanned.is_ok()) return scanned;
  if (!problem.is_ok()) return problem;
  return all;
}

status kv_store::scrub(scrub_position& position, std::size_t rows_max, std::size_t bytes_max) const {
  auto txn = env_->begin_read();  // the committed state: what is on disk
  if (!txn) return txn.error();
  std::size_t rows = 0, bytes = 0;
  while (rows < rows_max && bytes < bytes_max && position.table < live_.size()) {
    std::size_t visited = 0;
    bool budget_spent = false;
    auto scanned = txn->scan(live_[position.table], position.from_key, rows_max - rows,
                             [&](std::string_view key, std::string_view value) {
                               ++visited;
                               bytes += key.size() + value.size();
                               position.from_key = std::string(key) + '\0';  // the smallest key after this one
                               budget_spent = bytes >= bytes_max;
                               return !budget_spent;
                             });
    if (!scanned.is_ok()) return scanned;
    rows += visited;
    position.rows_this_pass += visited;
    if (rows < rows_max && !budget_spent) {  // this table is done
      ++position.table;
      position.from_key.clear();
    }
  }
  if (position.table >= live_.size()) {  // a pass is complete: the next call starts another
    position.last_pass_rows = position.rows_this_pass;
    position.rows_this_pass = 0;
    position.table = 0;
    ++position.passes;
  }
  return {};
}

result<kv_response> kv_store::read(const kv_request& request) const {
  if (auto valid = validate(request); !valid.is_ok()) return valid;
  for (const auto* ops : {&request.success, &request.failure}) {
    for (const auto& op : *ops) {
      if (op.kind != kv_op_kind::range && op.kind != kv_op_kind::lease_keepalive) {
        return status(status_code::invalid_argument, "a read may contain ranges (or a lease keepalive) only");
      }
    }
  }
  std::optional<storage::read_txn> fresh;
  auto txn = reader(fresh);
  if (!txn) return txn.error();
  lmdb_kv_backend backend(**txn, nullptr, data_, meta_, &leases_);
  try {
    return apply_kv_request(backend, request);
  } catch (const stored_state_damaged& damaged) {
    return damaged.why;
  }
}

}  // namespace bucky
