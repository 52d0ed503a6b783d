// One replica of the Multi-Paxos group as a plain class: acceptor, proposer (a
// stable leader) and learner together. No I/O, no clock, no threads: the shell (or
// the simulator) feeds messages, ticks and client commands, and carries out the
// output: first every `persist` (one synced transaction), then every send, then
// the chosen values in order. (DESIGN §5.)
//
// - Leader election: a replica that has not heard a leader for its randomized
//   election timeout runs phase 1 with ballot (highest round seen + 1, self) for
//   every slot from its first unchosen one.
// - A new leader re-proposes, in its ballot, the highest-ballot accepted value of
//   every open slot it learned from the promises and fills gaps with no-ops; then
//   it batches client commands into slots, at most window_slots_max in flight.
// - A slot is chosen when a majority accepted it in the leader's ballot. Followers
//   learn from the leader's heartbeat (paxos_commit) the values they accepted in
//   that same ballot and fetch any other chosen value from the leader (catch-up).
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
  std::uint64_t election_timeout_ms_min = 300;
  std::uint64_t election_timeout_ms_max = 600;
  std::uint64_t heartbeat_interval_ms = 50;
  std::size_t window_slots_max = 64;
  std::size_t batch_commands_max = 256;
  std::size_t pending_commands_max = 10'000;
  std::size_t catchup_values_max = 1'024;
};

using paxos_message = std::variant<paxos_prepare, paxos_promise, paxos_accept, paxos_accepted, paxos_commit,
                                   paxos_catchup_request, paxos_catchup_reply>;

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
  std::vector<chosen_value> chosen;      // in slot order, each slot once
};

enum class replica_role : std::uint8_t { follower, candidate, leader };

class replica_core {
 public:
  using random_source = std::function<std::uint64_t()>;

  replica_core(replica_config config, acceptor_core acceptor, random_source random, std::uint64_t now_ms);

  replica_output on_tick(std::uint64_t now_ms);
  replica_output on_message(std::uint32_t from, const paxos_message& message, std::uint64_t now_ms);
  // A client command arrives here. Refused (false) when this replica is not the
  // leader or its queue is full; `leader_hint()` says whom to ask instead.
  bool on_client_command(const client_command& command, replica_output& output);

  replica_role role() const { return role_; }
  std::optional<std::uint32_t> leader_hint() const { return leader_hint_; }
  slot_id chosen_below() const { return chosen_below_; }
  const ballot& current_ballot() const { return ballot_; }
  const acceptor_core& acceptor() const { return acceptor_; }

 private:
  struct in_flight_slot {
    std::vector<std::uint8_t> value;
    std::set<std::uint32_t> accepted_by;
  };

  std::size_t quorum() const { return config_.replicas / 2 + 1; }
  void reset_election_timer(std::uint64_t now_ms);
  void start_election(std::uint64_t now_ms, replica_output& out);
  void become_leader(replica_output& out);
  void step_down(const ballot& higher, std::uint64_t now_ms);
  void propose(slot_id slot, std::vector<std::uint8_t> value, replica_output& out);
  void propose_pending(replica_output& out);
  void broadcast(const paxos_message& message, replica_output& out);
  void deliver_to_self(const paxos_message& message, replica_output& out, std::uint64_t now_ms);
  void reply(std::uint32_t to, const paxos_message& message, replica_output& out, std::uint64_t now_ms);
  void learn(slot_id slot, std::vector<std::uint8_t> value, replica_output& out);

  void on_prepare(std::uint32_t from, const paxos_prepare& m, replica_output& out, std::uint64_t now_ms);
  void on_promise(std::uint32_t from, const paxos_promise& m, replica_output& out, std::uint64_t now_ms);
  void on_accept(std::uint32_t from, const paxos_accept& m, replica_output& out, std::uint64_t now_ms);
  void on_accepted(std::uint32_t from, const paxos_accepted& m, replica_output& out, std::uint64_t now_ms);
  void on_commit(std::uint32_t from, const paxos_commit& m, replica_output& out, std::uint64_t now_ms);
  void on_catchup_request(std::uint32_t from, const paxos_catchup_request& m, replica_output& out);
  void on_catchup_reply(const paxos_catchup_reply& m, replica_output& out);

  replica_config config_;
  acceptor_core acceptor_;
  random_source random_;
  replica_role role_ = replica_role::follower;
  ballot ballot_;                              // ours, as candidate or leader
  std::uint64_t highest_round_seen_ = 0;
  std::optional<std::uint32_t> leader_hint_;
  std::uint64_t election_deadline_ms_ = 0;
  std::uint64_t next_heartbeat_ms_ = 0;
  std::set<std::uint32_t> promised_by_;
  std::map<slot_id, accepted_entry> promised_entries_;  // highest-ballot accepted per open slot
  std::map<slot_id, in_flight_slot> in_flight_;
  slot_id next_slot_ = 0;
  std::deque<client_command> pending_;
  std::map<slot_id, std::vector<std::uint8_t>> learned_;  // every chosen value (serves catch-up)
  slot_id chosen_below_ = 0;                             // all slots below are learned and emitted
  std::optional<slot_id> catchup_asked_below_;           // a catch-up is on its way up to here
};

}  // namespace bucky
