// The Multi-Paxos messages between replicas of the zone state (DESIGN §5).
// Ballot = (round, replica index), ordered by round then replica. Phase 1 covers
// every slot from `first_open_slot` on, once per ballot; phase 2 is per slot.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/type_ids.hpp"

namespace bucky {

using slot_id = std::uint64_t;

struct ballot {
  std::uint64_t round = 0;
  std::uint32_t replica = 0;

  auto operator<=>(const ballot&) const = default;
  bool is_zero() const { return round == 0 && replica == 0; }
  MSGPACK_DEFINE(round, replica);
};

struct accepted_entry {
  slot_id slot = 0;
  ballot accepted_in;
  std::vector<std::uint8_t> value;  // an encoded batch of client commands, or empty for a no-op

  bool operator==(const accepted_entry&) const = default;
  MSGPACK_DEFINE(slot, accepted_in, value);
};

// Phase 1a: a candidate leader asks for promises on every slot >= first_open_slot.
struct paxos_prepare {
  static constexpr message_type type_id = message_type::paxos_prepare;
  static constexpr const char* type_name = "paxos_prepare";
  ballot proposal;
  slot_id first_open_slot = 0;
  MSGPACK_DEFINE(proposal, first_open_slot);
};

// Phase 1b: promise (ok) with what was accepted from first_open_slot on, or a
// refusal carrying the higher ballot already promised. `compacted_below`: the
// acceptor forgot its entries below this slot (they were chosen and applied); a
// candidate whose own chosen prefix ends below it cannot know those values and
// must catch up before it may lead. `more_from`: not 0 when the entries did not
// fit one message (promise_bytes_max); the candidate asks again from that slot in
// the same ballot and counts this promise only once it has them all (a promise
// may carry many values of up to 1 MiB: after a power cut every replica holds the
// slots of its last uncommitted second).
struct paxos_promise {
  static constexpr message_type type_id = message_type::paxos_promise;
  static constexpr const char* type_name = "paxos_promise";
  ballot proposal;
  bool ok = false;
  ballot promised;
  std::vector<accepted_entry> accepted;
  slot_id compacted_below = 0;
  slot_id more_from = 0;
  MSGPACK_DEFINE(proposal, ok, promised, accepted, compacted_below, more_from);
};

// Phase 2a: accept `value` for `slot` in `proposal`.
struct paxos_accept {
  static constexpr message_type type_id = message_type::paxos_accept;
  static constexpr const char* type_name = "paxos_accept";
  ballot proposal;
  slot_id slot = 0;
  std::vector<std::uint8_t> value;
  MSGPACK_DEFINE(proposal, slot, value);
};

// Phase 2b: accepted (ok), or a refusal carrying the higher ballot promised.
struct paxos_accepted {
  static constexpr message_type type_id = message_type::paxos_accepted;
  static constexpr const char* type_name = "paxos_accepted";
  ballot proposal;
  slot_id slot = 0;
  bool ok = false;
  ballot promised;
  MSGPACK_DEFINE(proposal, slot, ok, promised);
};

// The leader's heartbeat: its ballot and the first slot not yet chosen. A follower
// learns every slot below it whose value it accepted in this same ballot, and asks
// the leader for the rest (catch-up). Every heartbeat has a number (`beat`) that
// followers acknowledge: a quorum of acknowledgements of a beat sent after a read
// arrived proves the leader was still the leader then (read index).
struct paxos_commit {
  static constexpr message_type type_id = message_type::paxos_commit;
  static constexpr const char* type_name = "paxos_commit";
  ballot leader;
  slot_id chosen_below = 0;
  std::uint64_t beat = 0;
  MSGPACK_DEFINE(leader, chosen_below, beat);
};

// A follower's answer to a heartbeat: ok when it has promised nothing higher than
// the leader's ballot, else a refusal carrying the higher ballot.
struct paxos_beat_ack {
  static constexpr message_type type_id = message_type::paxos_beat_ack;
  static constexpr const char* type_name = "paxos_beat_ack";
  ballot leader;
  std::uint64_t beat = 0;
  bool ok = false;
  ballot promised;
  MSGPACK_DEFINE(leader, beat, ok, promised);
};

struct paxos_catchup_request {
  static constexpr message_type type_id = message_type::paxos_catchup_request;
  static constexpr const char* type_name = "paxos_catchup_request";
  slot_id from_slot = 0;
  MSGPACK_DEFINE(from_slot);
};

// Chosen values, consecutive from the requested slot.
struct paxos_catchup_reply {
  static constexpr message_type type_id = message_type::paxos_catchup_reply;
  static constexpr const char* type_name = "paxos_catchup_reply";
  slot_id from_slot = 0;
  std::vector<std::vector<std::uint8_t>> values;
  MSGPACK_DEFINE(from_slot, values);
};

// Pre-vote: before a replica starts an election (a higher ballot, which would
// depose a working leader), it asks whether the others would take part. They say
// yes only when they have not heard from a leader for an election timeout and
// `proposal` is above what they promised. Nothing is promised or persisted: a node
// cut off by a partition keeps its ballot low and rejoins without a disruption.
struct paxos_prevote {
  static constexpr message_type type_id = message_type::paxos_prevote;
  static constexpr const char* type_name = "paxos_prevote";
  ballot proposal;
  slot_id chosen_below = 0;
  MSGPACK_DEFINE(proposal, chosen_below);
};

struct paxos_prevote_reply {
  static constexpr message_type type_id = message_type::paxos_prevote_reply;
  static constexpr const char* type_name = "paxos_prevote_reply";
  ballot proposal;  // the one asked about
  bool granted = false;
  ballot promised;  // the answerer's: a refused asker starts above it next time
  MSGPACK_DEFINE(proposal, granted, promised);
};

// A replica whose acceptor state was lost (its machine was replaced) asks the others
// for theirs before it votes again.
struct paxos_rejoin_request {
  static constexpr message_type type_id = message_type::paxos_rejoin_request;
  static constexpr const char* type_name = "paxos_rejoin_request";
  MSGPACK_DEFINE();
};

// An acceptor's state for a rejoining replica: its promised ballot, the prefix it
// knows chosen, and what it accepted at or above that prefix. `complete` is false
// when the entries did not fit one message (the rejoiner asks again later).
struct paxos_rejoin_state {
  static constexpr message_type type_id = message_type::paxos_rejoin_state;
  static constexpr const char* type_name = "paxos_rejoin_state";
  ballot promised;
  slot_id chosen_below = 0;
  std::vector<accepted_entry> entries;
  bool complete = true;
  MSGPACK_DEFINE(promised, chosen_below, entries, complete);
};

// A client's command. (client_id, sequence) makes a retry apply once.
struct client_command {
  std::uint64_t client_id = 0;
  std::uint64_t sequence = 0;
  std::vector<std::uint8_t> operation;  // what the state machine applies
  bool operator==(const client_command&) const = default;
  MSGPACK_DEFINE(client_id, sequence, operation);
};

// The state machine of a replica that is behind the leader's compacted log: sent by
// the leader's shell in bounded chunks, each acknowledged before the next one
// leaves. `records` are (table, key, value) rows of the state tables taken from one
// read transaction at applied index `applied_below`.
// Key and value travel as msgpack bin (bounded by limits::decode_binary_bytes_max),
// not str: a stored row is a value of up to kv_limits::value_bytes_max plus its
// metadata, more than decode_string_bytes_max (issue 17: a 1 MiB value stopped
// every snapshot). A str from an earlier version still decodes.
struct snapshot_record {
  std::string table;
  std::vector<std::uint8_t> key;
  std::vector<std::uint8_t> value;
  MSGPACK_DEFINE(table, key, value);
};

struct paxos_snapshot_chunk {
  static constexpr message_type type_id = message_type::paxos_snapshot_chunk;
  static constexpr const char* type_name = "paxos_snapshot_chunk";
  std::uint64_t snapshot_id = 0;
  slot_id applied_below = 0;
  std::uint64_t chunk = 0;  // 0, 1, 2, ... in order
  bool last = false;
  std::vector<snapshot_record> records;
  MSGPACK_DEFINE(snapshot_id, applied_below, chunk, last, records);
};

// The receiver has stored `chunk` (ok) or gave up on this snapshot (not ok).
struct paxos_snapshot_ack {
  static constexpr message_type type_id = message_type::paxos_snapshot_ack;
  static constexpr const char* type_name = "paxos_snapshot_ack";
  std::uint64_t snapshot_id = 0;
  std::uint64_t chunk = 0;
  bool ok = false;
  MSGPACK_DEFINE(snapshot_id, chunk, ok);
};

struct command_batch {
  static constexpr const char* type_name = "command_batch";
  std::vector<client_command> commands;
  MSGPACK_DEFINE(commands);
};

}  // namespace bucky
