// A consistent copy of the zone state, read in bounded chunks. It holds one LMDB
// read transaction (MDB_NOTLS, so any thread may continue it) from the first chunk
// to the last: every chunk comes from the same committed state, the one at
// `applied_below()`. Keep it short-lived: while it is open LMDB cannot reuse the
// pages that later commits free.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "messages/paxos.hpp"
#include "storage/lmdb.hpp"

namespace bucky {

class kv_snapshot_reader {
 public:
  kv_snapshot_reader(storage::read_txn txn, std::vector<storage::lmdb_table> tables, slot_id applied_below)
      : txn_(std::move(txn)), tables_(std::move(tables)), applied_below_(applied_below) {}

  slot_id applied_below() const { return applied_below_; }
  // The next rows in (table, key) order: at most `bytes_max` of keys and values,
  // but always at least one row while any is left. Empty once done().
  result<std::vector<snapshot_record>> next_chunk(std::size_t bytes_max);
  bool done() const { return table_ >= tables_.size(); }

 private:
  storage::read_txn txn_;
  std::vector<storage::lmdb_table> tables_;
  slot_id applied_below_ = 0;
  std::size_t table_ = 0;
  std::string from_key_;  // resume here in tables_[table_]
};

}  // namespace bucky
