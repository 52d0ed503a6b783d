// One replica of the Multi-Paxos group as a plain class: acceptor, proposer (a
// stable leader) and learner together. No I/O, no clock, no threads: the shell (or
// the simulator) feeds messages, ticks and client commands, and carries out the
// output: first every `persist` (one synced write), then every send, then
// the chosen values in order. (DESIGN §5.)
//
// - Leader election: a replica that has not heard a leader for its randomized
//   election timeout first asks the others (pre-vote, no state changes) whether
//   they too have lost the leader; with a quorum of yes it runs phase 1 with ballot
//   (highest round seen + 1, self) for every slot from its first unchosen one. A
//   replica cut off by a partition, or too slow to hear its leader in time, thus
//   never deposes a leader that a quorum still follows.
// - A new leader re-proposes, in its ballot, the highest-ballot accepted value of
//   every open slot it learned from the promises and fills gaps with no-ops; then
//   it batches client commands into slots, at most window_slots_max in flight.
// - A slot is chosen when a majority accepted it in the leader's ballot. Followers
//   learn from the leader's beat (paxos_commit: sent whenever the chosen prefix
//   grows, and every heartbeat interval) the values they accepted in
//   that same ballot and fetch any other chosen value from the leader (catch-up).
// - Compaction: chosen values are kept for catch-up only `log_retain_slots` below
//   the chosen prefix; the acceptor forgets its entries with them. A replica that
//   asks for older slots gets the state machine instead (the shell sends a
//   snapshot; `on_snapshot_installed` moves the prefix forward). A candidate whose
//   chosen prefix ends below a promiser's compaction point gives up and catches up
//   first: it could not know the values it would have to re-propose.
// - Linearizable reads use a read index, not the log and not a clock: a read that
//   arrives at the leader waits until (1) a quorum acknowledged a heartbeat sent
//   after it arrived, proving no higher ballot had been promised by a quorum then,
//   so no other leader can have chosen anything this leader does not know, and
//   (2) every slot this leader had proposed when the read arrived is chosen and
//   applied. A leader that has not heard a quorum for an election timeout steps
//   down (its clients then find the new leader). No assumption about clock rates is made (a leader lease would need
//   bounded clock drift; a home server's clock can jump). Cost: one round trip.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "actors/paxos/acceptor_core.hpp"
#include "messages/paxos.hpp"

namespace bucky {

struct replica_config {
  std::uint32_t self = 0;
  std::uint32_t replicas = 3;
  std::uint64_t election_timeout_ms_min = 200;
  std::uint64_t election_timeout_ms_max = 400;
  std::uint64_t heartbeat_interval_ms = 40;
  std::size_t window_slots_max = 64;
  std::size_t batch_commands_max = 256;
  std::size_t pending_commands_max = 10'000;
  std::size_t catchup_values_max = 1'024;
  std::size_t batch_bytes_max = 3 * 1024 * 1024;    // one accept message stays below the 4 MiB frame
  std::size_t promise_bytes_max = 3 * 1024 * 1024;  // values in one promise; the rest in further parts
  std::size_t catchup_bytes_max = 3 * 1024 * 1024;  // at least one value per reply
  slot_id log_retain_slots = 10'000;                // chosen values kept for catch-up
  slot_id compaction_step_slots = 1'000;            // forget in steps, not per slot
  std::size_t reads_pending_max = 10'000;
  // This replica's acceptor state was lost (a replaced machine, an empty disk). It
  // must not vote until it holds, for every quorum it could join, at least what the
  // lost state held: it learns as a follower, asks every other replica for its
  // acceptor state, and from f+1 complete answers takes the highest promised ballot
  // (any ballot the lost acceptor promised, a quorum promised, so one of them did),
  // the largest chosen prefix K (it claims to have forgotten below K) and, above K,
  // the highest-ballot accepted value of each slot (any value chosen with the lost
  // acceptor was accepted by one of them). Once it has applied up to K it installs
  // that state durably and votes again. Needs at least 3 replicas.
  bool rejoining = false;
  std::uint64_t rejoin_ask_interval_ms = 200;
  // Ask before electing (paxos_prevote): off only to compare in tests. A replica
  // that heard a leader within leader_alive_ms refuses pre-votes (at most the
  // smallest election timeout of any replica).
  bool pre_vote = true;
  std::uint64_t leader_alive_ms = 200;
  std::size_t rejoin_entries_max = 1'024;
};

using paxos_message = std::variant<paxos_prepare, paxos_promise, paxos_accept, paxos_accepted, paxos_commit,
                                   paxos_beat_ack, paxos_catchup_request, paxos_catchup_reply, paxos_rejoin_request,
                                   paxos_rejoin_state, paxos_prevote, paxos_prevote_reply>;

struct outgoing_message {
  std::uint32_t to = 0;
  paxos_message message;
};

struct chosen_value {
  slot_id slot = 0;
  std::vector<std::uint8_t> value;  // an encoded command_batch, or empty for a no-op
};

struct replica_output {
  std::vector<acceptor_output> persist;  // durable before anything below happens
  std::vector<outgoing_message> sends;
  std::vector<chosen_value> chosen;      // in slot order, each slot once; applied with `persist`
  std::vector<std::uint32_t> snapshot_to;    // replicas behind the compacted log
  std::vector<std::uint64_t> reads_ready;    // answer these from the state applied so far
  std::vector<std::uint64_t> reads_dropped;  // leadership lost: the reader must retry
  bool rejoined = false;  // the rebuilt acceptor state is in `persist`: the replica votes again
};

// Adds `from` to `into`, keeping the order of each part (a shell's group commit
// gathers outputs until one flush; the core merges its own acceptor's answers).
void merge_output(replica_output& into, replica_output&& from);

enum class replica_role : std::uint8_t { follower, candidate, leader };

class replica_core {
 public:
  using random_source = std::function<std::uint64_t()>;

  // `applied_below`: the state machine already holds every slot below (durable).
  replica_core(replica_config config, acceptor_core acceptor, slot_id applied_below, random_source random,
               std::uint64_t now_ms);

  replica_output on_tick(std::uint64_t now_ms);
  replica_output on_message(std::uint32_t from, const paxos_message& message, std::uint64_t now_ms);
  // A client command arrives here. Refused (false) when this replica is not the
  // leader or its queue is full; `leader_hint()` says whom to ask instead.
  bool on_client_command(const client_command& command, replica_output& output);
  // A linearizable read with the shell's id. Refused (false) when not the leader or
  // too many wait; later `reads_ready` or `reads_dropped` names the id once.
  bool on_read(std::uint64_t read_id, replica_output& output);
  // The shell installed a snapshot: the state machine now holds every slot below.
  replica_output on_snapshot_installed(slot_id applied_below);
  // An operator asks the leader to step down: it stops leading at once (waiting
  // commands and reads are dropped; their clients retry at the new leader) and
  // runs no election for 2 x election_timeout_ms_max, so another replica takes
  // over. False, with nothing changed, when this replica does not lead.
  bool abdicate(std::uint64_t now_ms, replica_output& output);

  replica_role role() const { return role_; }
  std::optional<std::uint32_t> leader_hint() const { return leader_hint_; }
  slot_id chosen_below() const { return chosen_below_; }
  slot_id learned_from() const { return learned_from_; }
  std::size_t reads_pending() const { return reads_.size(); }
  const ballot& current_ballot() const { return ballot_; }
  const acceptor_core& acceptor() const { return acceptor_; }
  bool rejoining() const { return rejoining_; }
  std::uint32_t replica_count() const { return config_.replicas; }

 private:
  struct in_flight_slot {
    std::vector<std::uint8_t> value;
    std::set<std::uint32_t> accepted_by;
  };
  struct pending_read {
    std::uint64_t id = 0;
    slot_id read_index = 0;       // every slot below must be applied first
    std::uint64_t beat_needed = 0;  // a quorum must acknowledge this heartbeat
  };

  std::size_t quorum() const { return config_.replicas / 2 + 1; }
  void reset_election_timer(std::uint64_t now_ms);
  void start_prevote(std::uint64_t now_ms, replica_output& out);
  void on_prevote(std::uint32_t from, const paxos_prevote& m, replica_output& out, std::uint64_t now_ms);
  void on_prevote_reply(std::uint32_t from, const paxos_prevote_reply& m, replica_output& out, std::uint64_t now_ms);
  void heard_leader(std::uint32_t leader, std::uint64_t now_ms);
  void start_election(std::uint64_t now_ms, replica_output& out);
  void become_leader(replica_output& out, std::uint64_t now_ms);
  bool lost_quorum(std::uint64_t now_ms);
  void step_down(const ballot& higher, std::uint64_t now_ms, replica_output& out);
  void propose(slot_id slot, std::vector<std::uint8_t> value, replica_output& out);
  void propose_pending(replica_output& out);
  void broadcast(const paxos_message& message, replica_output& out);
  void deliver_to_self(const paxos_message& message, replica_output& out, std::uint64_t now_ms);
  void reply(std::uint32_t to, const paxos_message& message, replica_output& out, std::uint64_t now_ms);
  void learn(slot_id slot, std::vector<std::uint8_t> value, replica_output& out);
  void emit_chosen(replica_output& out);
  void compact(replica_output& out);
  void send_beat(replica_output& out);
  std::uint64_t confirmed_beat() const;
  void serve_reads(replica_output& out);
  void drop_reads(replica_output& out);

  void on_prepare(std::uint32_t from, const paxos_prepare& m, replica_output& out, std::uint64_t now_ms);
  void on_promise(std::uint32_t from, const paxos_promise& m, replica_output& out, std::uint64_t now_ms);
  void on_accept(std::uint32_t from, const paxos_accept& m, replica_output& out, std::uint64_t now_ms);
  void on_accepted(std::uint32_t from, const paxos_accepted& m, replica_output& out, std::uint64_t now_ms);
  void on_commit(std::uint32_t from, const paxos_commit& m, replica_output& out, std::uint64_t now_ms);
  void on_beat_ack(std::uint32_t from, const paxos_beat_ack& m, replica_output& out, std::uint64_t now_ms);
  void on_catchup_request(std::uint32_t from, const paxos_catchup_request& m, replica_output& out);
  void on_catchup_reply(const paxos_catchup_reply& m, replica_output& out);
  void on_rejoin_request(std::uint32_t from, replica_output& out);
  void on_rejoin_state(std::uint32_t from, const paxos_rejoin_state& m);
  void tick_rejoin(std::uint64_t now_ms, replica_output& out);

  replica_config config_;
  acceptor_core acceptor_;
  random_source random_;
  replica_role role_ = replica_role::follower;
  ballot ballot_;                              // ours, as candidate or leader
  std::uint64_t highest_round_seen_ = 0;
  std::optional<std::uint32_t> leader_hint_;
  std::uint64_t election_deadline_ms_ = 0;
  std::uint64_t quiet_until_ms_ = 0;              // after abdicate(): no election before
  std::optional<std::uint64_t> leader_heard_ms_;  // a leader's accept or commit last arrived then
  ballot prevote_ballot_;                         // zero: no pre-vote under way
  std::set<std::uint32_t> prevoted_by_;
  std::uint64_t next_heartbeat_ms_ = 0;
  std::set<std::uint32_t> promised_by_;
  std::map<slot_id, accepted_entry> promised_entries_;  // highest-ballot accepted per open slot
  std::map<slot_id, in_flight_slot> in_flight_;
  slot_id next_slot_ = 0;
  std::deque<client_command> pending_;
  std::map<slot_id, std::vector<std::uint8_t>> learned_;  // chosen values from learned_from_ (catch-up)
  slot_id learned_from_ = 0;                             // values below are compacted away
  slot_id chosen_below_ = 0;                             // all slots below are learned and emitted
  std::uint64_t beat_ = 0;                               // the last heartbeat number sent as leader
  std::vector<std::uint64_t> beat_acked_;                // per replica: highest beat acknowledged
  std::vector<std::uint64_t> heard_ms_;                  // per replica: last acknowledgement (as leader)
  bool rejoining_ = false;                               // replica_config::rejoining, until installed
  std::map<std::uint32_t, paxos_rejoin_state> rejoin_answers_;
  std::uint64_t rejoin_next_ask_ms_ = 0;
  std::deque<pending_read> reads_;
  std::optional<slot_id> catchup_asked_below_;           // a catch-up is on its way up to here
};

}  // namespace bucky
