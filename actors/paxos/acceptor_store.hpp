// Where an acceptor's promises and accepted values lived before the acceptor log
// (acceptor_log.hpp): two LMDB tables in the zone state's environment. A replica
// of an earlier version finds its acceptor state here once: the shell copies it
// into a fresh acceptor log and clears the tables. persist() writes the old format
// (for tests of that copy).
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
  // Whether the tables hold anything.
  result<bool> empty() const;
  // Empties both tables (one synced transaction).
  status clear();
  // Makes one step's output durable (one transaction, fsynced). A no-op output
  // writes nothing.
  status persist(const acceptor_output& output);

 private:
  status write(storage::write_txn& txn, const std::vector<acceptor_output>& outputs);
  acceptor_store(storage::lmdb_env& env, storage::lmdb_table meta, storage::lmdb_table log)
      : env_(&env), meta_(std::move(meta)), log_(std::move(log)) {}
  storage::lmdb_env* env_;
  storage::lmdb_table meta_;
  storage::lmdb_table log_;
};

// 8-byte big-endian, so LMDB's key order is slot order.
std::string slot_key(slot_id slot);

}  // namespace bucky
