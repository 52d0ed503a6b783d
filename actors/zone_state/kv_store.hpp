// The zone state on disk: applies chosen Paxos slots to LMDB. Slots are applied into
// a batch, one write transaction kept open across slots and committed (synced) by
// the owner every ~1 s; reads through this store see the batch at once. Each
// commit holds every effect of its slots' commands, the client table that makes a
// retried (client_id, sequence) apply once, the revision, and the applied index, so
// a restart resumes exactly where the last commit left off (DESIGN §5); the slots
// of a batch lost in a crash are chosen already and are applied again from the
// Paxos log. The batch ties the store to one thread: its owner must be that thread
// (the paxos actor is detached) and must commit or abort before it goes away.
//   kv.data     key -> msgpack key_value
//   kv.meta     "revision", "applied_below" -> 8-byte big-endian numbers
//   kv.clients  8-byte big-endian client_id -> msgpack {sequence, encoded kv_response, slot}
//   kv.clients_by_slot  slot + client_id -> "" (clients idle for client_idle_slots are forgotten)
//   kv.events   8-byte big-endian revision + 4-byte index -> msgpack kv_event (the
//               history watchers read; trimmed to the last events_retain_revisions)
//   kv.leases, kv.lease_keys  leases and the keys attached to each
//   snap.*      the same tables, staged while a snapshot arrives in chunks; installed
//               (swapped in) in one transaction when the last chunk is stored
// Commands are validated before they are proposed; one that is invalid or does not
// decode anyway gets an error outcome here, the same on every replica, and no effect.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/kv_snapshot.hpp"
#include "messages/kv_watch.hpp"
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

struct lease_tables {
  storage::lmdb_table leases;  // kv.leases: 8-byte big-endian id -> msgpack lease_record
  storage::lmdb_table keys;    // kv.lease_keys: id + key -> "" (the keys attached to a lease)
};

struct watch_batch {
  std::vector<kv_event> events;
  std::int64_t next_revision = 0;
  std::uint32_t next_index = 0;
  std::int64_t compact_revision = 0;
  std::int64_t revision = 0;
};

class kv_store {
 public:
  static constexpr std::int64_t events_retain_revisions = 50'000;
  static constexpr std::int64_t events_trim_step_revisions = 1'000;
  // The (client, sequence) table forgets a client idle this long, a few per slot.
  static constexpr slot_id client_idle_slots = 100'000;
  static constexpr std::size_t clients_forgotten_per_slot_max = 16;
  static constexpr std::size_t client_response_bytes_max = 64 * 1024;  // answers kept for retries
  // Commands from this client id (the leader's own, like lease expiry) skip the table.
  static constexpr std::uint64_t internal_client_id = 0;

  static result<kv_store> open(storage::lmdb_env& env);

  // Applies the chosen value of `slot`, which must be applied_below(), into the
  // batch (begun if none is open). A failure aborts the batch: applied_below() goes
  // back to durable_applied_below().
  result<std::vector<command_outcome>> apply_to_batch(slot_id slot, const std::vector<std::uint8_t>& value);
  // Makes the batch durable (one synced commit). A failure loses it, as abort_batch().
  status commit_batch();
  void abort_batch();
  // apply_to_batch, then commit_batch.
  result<std::vector<command_outcome>> apply_slot(slot_id slot, const std::vector<std::uint8_t>& value);
  std::size_t batch_slots() const { return batch_slots_; }
  // The encoded size of the slots in the batch (its LMDB transaction holds about
  // three times this in dirty pages: data, history, client answers).
  std::size_t batch_bytes() const { return batch_bytes_; }

  // The whole state, for a replica behind the compacted log (commits the batch first).
  result<kv_snapshot_reader> begin_snapshot();
  // Stores one received chunk in the staging tables (chunk 0 clears them first).
  status stage_snapshot_chunk(const paxos_snapshot_chunk& chunk);
  // Replaces the state with the staged snapshot in one transaction; it must hold
  // exactly the slots below `applied_below`. Both commit the batch first.
  status install_staged_snapshot(slot_id applied_below);
  // The next slot to apply, counting the batch. Read from disk at open; kv_store is
  // the only writer of the tables, so it keeps the number in memory.
  slot_id applied_below() const { return applied_below_; }
  // The same as of the last commit: what a crash now would leave.
  slot_id durable_applied_below() const { return durable_applied_below_; }
  result<std::int64_t> revision() const;
  // A read-only request (ranges only) against the last applied state.
  result<kv_response> read(const kv_request& request) const;
  // Every lease, for a new leader that starts their clocks.
  result<std::vector<lease_record>> leases() const;
  // Where a background scrub goes on from: a table and the key to start at.
  struct scrub_position {
    std::size_t table = 0;
    std::string from_key;
    std::uint64_t rows_this_pass = 0;
    std::uint64_t last_pass_rows = 0;
    std::uint64_t passes = 0;  // completed passes over every table
  };
  // Reads up to `rows_max` values, and at most about `bytes_max` bytes of them, of
  // the committed state from `position` (each checked on read: row_check.hpp) and
  // moves it on, wrapping around after the last table. A value that fails its
  // check is a corruption status.
  status scrub(scrub_position& position, std::size_t rows_max, std::size_t bytes_max = SIZE_MAX) const;
  // The recorded changes matching a watch from its position (see kv_watch.hpp).
  // A position before the kept history is refused with not_found.
  result<watch_batch> watch(const kv_watch_request& request) const;

 private:
  kv_store(storage::lmdb_env& env, std::vector<storage::lmdb_table> live, std::vector<storage::lmdb_table> staged)
      : env_(&env),
        data_(live.at(0)),
        meta_(live.at(1)),
        clients_(live.at(2)),
        events_(live.at(3)),
        leases_{live.at(4), live.at(5)},
        clients_by_slot_(live.at(6)),
        live_(std::move(live)),
        staged_(std::move(staged)) {}
  result<std::vector<command_outcome>> apply_slot(storage::write_txn& txn, slot_id slot,
                                                  const std::vector<std::uint8_t>& value);
  // What reads go through: the open batch (its changes count) or a new read
  // transaction kept in `fresh`.
  result<const storage::read_txn*> reader(std::optional<storage::read_txn>& fresh) const;
  status trim_events(storage::write_txn& txn);
  status forget_clients(storage::write_txn& txn, slot_id slot);
  result<std::int64_t> events_from(const storage::read_txn& txn) const;
  result<slot_id> read_applied_below(const storage::read_txn& txn, const storage::lmdb_table& meta) const;

  storage::lmdb_env* env_;
  storage::lmdb_table data_;
  storage::lmdb_table meta_;
  storage::lmdb_table clients_;
  storage::lmdb_table events_;
  lease_tables leases_;
  storage::lmdb_table clients_by_slot_;
  std::vector<storage::lmdb_table> live_;    // every table a snapshot carries
  std::vector<storage::lmdb_table> staged_;  // the same, "snap." prefixed, same order
  slot_id applied_below_ = 0;
  slot_id durable_applied_below_ = 0;
  std::optional<storage::write_txn> batch_;
  std::size_t batch_slots_ = 0;
  std::size_t batch_bytes_ = 0;
};

}  // namespace bucky
