// The acceptor of Multi-Paxos as a plain class (no I/O, no clock, no CAF).
// It answers prepare and accept and says what must be made durable first: the
// shell appends `output.persist_*` to its acceptor log, synced, and only then sends
// `output.reply`. The in-memory state already reflects the write; if the write
// fails the shell crashes and restart() reloads what is on disk, which is safe
// because no reply left.
//
// Invariants (checked on every step, on in release builds):
// - the promised ballot never decreases;
// - every accepted entry's ballot is <= the promised ballot;
// - an acceptor never accepts in a ballot lower than one it promised.
#pragma once

#include <map>
#include <optional>

#include "messages/paxos.hpp"

namespace bucky {

struct acceptor_output {
  std::optional<ballot> persist_promised;
  std::optional<accepted_entry> persist_accepted;
  std::optional<slot_id> persist_compacted_below;  // drop log entries below; remember the point
};

struct promise_output : acceptor_output {
  paxos_promise reply;
};

struct accepted_output : acceptor_output {
  paxos_accepted reply;
};

class acceptor_core {
 public:
  // A promise carries every accepted entry from the first open slot on; compaction
  // (forget_below after a snapshot) keeps that small. Truncating it would let a new
  // leader fill a chosen slot with a no-op, so more than this is a bug, not a cut.
  static constexpr std::size_t promise_entries_max = 1'000'000;

  acceptor_core() = default;
  // State as read back from disk after a restart.
  acceptor_core(ballot promised, std::vector<accepted_entry> accepted, slot_id compacted_below = 0);

  // The promise carries accepted entries from prepare.first_open_slot on, at most
  // `entries_bytes_max` of values (always at least one entry); the rest is named by
  // paxos_promise::more_from. A prepare in the ballot already promised changes
  // nothing and is how the candidate asks for the rest.
  promise_output on_prepare(const paxos_prepare& prepare, std::size_t entries_bytes_max = SIZE_MAX);
  // An accept for a slot below the compaction point is for a chosen slot; Paxos
  // guarantees its value is the chosen one, so it is acknowledged without a write.
  accepted_output on_accept(const paxos_accept& accept);
  // Slots below `slot` are chosen and applied by this replica's state machine:
  // forget their entries. The point only moves up; the output says what to persist.
  acceptor_output compact_below(slot_id slot);

  const ballot& promised() const { return promised_; }
  const std::map<slot_id, accepted_entry>& accepted() const { return accepted_; }
  slot_id compacted_below() const { return compacted_below_; }

 private:
  void check_invariants() const;
  void check_entry(slot_id slot, const accepted_entry& entry) const;
  void check_compacted() const;

  ballot promised_;
  std::map<slot_id, accepted_entry> accepted_;
  slot_id compacted_below_ = 0;
};

}  // namespace bucky
