// The zone state on disk: applies chosen Paxos slots to LMDB. One slot is one write
// transaction holding every effect of its commands, the client table that makes a
// retried (client_id, sequence) apply once, the revision, and the applied index, so
// a restart resumes exactly where the last commit left off (DESIGN §5).
//   kv.data     key -> msgpack key_value
//   kv.meta     "revision", "applied_below" -> 8-byte big-endian numbers
//   kv.clients  8-byte big-endian client_id -> msgpack {sequence, encoded kv_response}
// Commands are validated before they are proposed; one that is invalid or does not
// decode anyway gets an error outcome here, the same on every replica, and no effect.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "actors/state_store/kv_machine.hpp"
#include "messages/paxos.hpp"
#include "storage/lmdb.hpp"

namespace bucky {

struct command_outcome {
  std::uint64_t client_id = 0;
  std::uint64_t sequence = 0;
  bool duplicate = false;            // answered from the client table, no second effect
  std::optional<kv_response> response;
  status error;                      // set when the command was refused
};

class kv_store {
 public:
  static result<kv_store> open(storage::lmdb_env& env);

  // Applies the chosen value of `slot`, which must be applied_below().
  result<std::vector<command_outcome>> apply_slot(slot_id slot, const std::vector<std::uint8_t>& value);
  // The next slot to apply. Read from disk at open; kv_store is the only writer of
  // the tables, so it keeps the number in memory after each commit.
  slot_id applied_below() const { return applied_below_; }
  result<std::int64_t> revision() const;
  // A read-only request (ranges only) against the last applied state.
  result<kv_response> read(const kv_request& request) const;

 private:
  kv_store(storage::lmdb_env& env, storage::lmdb_table data, storage::lmdb_table meta, storage::lmdb_table clients)
      : env_(&env), data_(std::move(data)), meta_(std::move(meta)), clients_(std::move(clients)) {}
  result<slot_id> read_applied_below() const;

  storage::lmdb_env* env_;
  storage::lmdb_table data_;
  storage::lmdb_table meta_;
  storage::lmdb_table clients_;
  slot_id applied_below_ = 0;
};

}  // namespace bucky
