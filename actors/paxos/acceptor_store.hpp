// Where an acceptor's promises and accepted values live: two LMDB tables in the
// node's environment, written in one synced transaction per step, before any reply.
//   paxos.meta  "promised" -> msgpack ballot
//               "compacted_below" -> 8-byte big-endian slot (entries below are gone)
//   paxos.log   8-byte big-endian slot -> msgpack accepted_entry
// Reading back a record that does not decode is corruption: the replica refuses to
// load and so never votes on damaged state.
#pragma once

#include <vector>

#include "actors/paxos/acceptor_core.hpp"
#include "storage/lmdb.hpp"

namespace bucky {

class acceptor_store {
 public:
  static result<acceptor_store> open(storage::lmdb_env& env);

  // The acceptor as it was at the last commit.
  result<acceptor_core> load() const;
  // Makes one step's output durable (one transaction, fsynced). A no-op output
  // writes nothing.
  status persist(const acceptor_output& output);
  // Every output of one replica step in one transaction (one fsync).
  status persist_all(const std::vector<acceptor_output>& outputs);
  // The same writes inside the caller's transaction (group commit: the shell adds
  // the state machine's effects and commits once).
  status write(storage::write_txn& txn, const std::vector<acceptor_output>& outputs);

 private:
  acceptor_store(storage::lmdb_env& env, storage::lmdb_table meta, storage::lmdb_table log)
      : env_(&env), meta_(std::move(meta)), log_(std::move(log)) {}
  storage::lmdb_env* env_;
  storage::lmdb_table meta_;
  storage::lmdb_table log_;
};

// 8-byte big-endian, so LMDB's key order is slot order.
std::string slot_key(slot_id slot);

}  // namespace bucky
