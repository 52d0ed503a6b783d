#include "actors/paxos/replica_core.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "messages/codec.hpp"
#include "messages/common/check.hpp"

namespace bucky {

namespace {

template <class T>
void append(std::vector<T>& to, std::vector<T>& from) {
  for (auto& item : from) to.push_back(std::move(item));
}

}  // namespace

replica_core::replica_core(replica_config config, acceptor_core acceptor, slot_id applied_below,
                           random_source random, std::uint64_t now_ms)
    : config_(config),
      acceptor_(std::move(acceptor)),
      random_(std::move(random)),
      learned_from_(applied_below),
      chosen_below_(applied_below),
      beat_acked_(config.replicas, 0),
      heard_ms_(config.replicas, 0) {
  BUCKY_CHECK(config_.replicas >= 1 && config_.self < config_.replicas);
  BUCKY_CHECK(config_.election_timeout_ms_min > config_.heartbeat_interval_ms);
  BUCKY_CHECK(config_.election_timeout_ms_min <= config_.election_timeout_ms_max);
  BUCKY_CHECK(config_.leader_alive_ms <= config_.election_timeout_ms_min);
  BUCKY_CHECK(config_.window_slots_max >= 1 && config_.batch_commands_max >= 1 && config_.compaction_step_slots >= 1);
  BUCKY_CHECK_MSG(acceptor_.compacted_below() <= applied_below,
                  fmt::format("the acceptor forgot slots below {} but only {} are applied",
                              acceptor_.compacted_below(), applied_below));
  highest_round_seen_ = acceptor_.promised().round;
  rejoining_ = config_.rejoining;
  BUCKY_CHECK_MSG(!rejoining_ || config_.replicas >= 3, "a replica can rebuild its acceptor state only from others");
  reset_election_timer(now_ms);
}

void merge_output(replica_output& into, replica_output&& from) {
  append(into.persist, from.persist);
  append(into.sends, from.sends);
  append(into.chosen, from.chosen);
  append(into.snapshot_to, from.snapshot_to);
  append(into.reads_ready, from.reads_ready);
  append(into.reads_dropped, from.reads_dropped);
  into.rejoined = into.rejoined || from.rejoined;
}

void replica_core::reset_election_timer(std::uint64_t now_ms) {
  auto spread = config_.election_timeout_ms_max - config_.election_timeout_ms_min + 1;
  election_deadline_ms_ = now_ms + config_.election_timeout_ms_min + random_() % spread;
}

void replica_core::broadcast(const paxos_message& message, replica_output& out) {
  for (std::uint32_t r = 0; r < config_.replicas; ++r) {
    if (r != config_.self) out.sends.push_back({r, message});
  }
}

// Our own acceptor answers like any other, without the network.
void replica_core::deliver_to_self(const paxos_message& message, replica_output& out, std::uint64_t now_ms) {
  merge_output(out, on_message(config_.self, message, now_ms));
}

// The acceptor's answer goes back to the proposer; our own proposer hears it at once.
void replica_core::reply(std::uint32_t to, const paxos_message& message, replica_output& out, std::uint64_t now_ms) {
  if (to == config_.self) deliver_to_self(message, out, now_ms);
  else out.sends.push_back({to, message});
}

replica_output replica_core::on_tick(std::uint64_t now_ms) {
  replica_output out;
  if (rejoining_) {
    tick_rejoin(now_ms, out);
    return out;
  }
  if (role_ == replica_role::leader && lost_quorum(now_ms)) {
    step_down(ballot_, now_ms, out);
    leader_hint_.reset();
    return out;
  }
  if (role_ == replica_role::leader) {
    if (now_ms >= next_heartbeat_ms_) {
      next_heartbeat_ms_ = now_ms + config_.heartbeat_interval_ms;
      send_beat(out);
      // Messages get lost: resend what is still waiting for a quorum (bounded).
      std::size_t resent = 0;
      for (auto& [slot, flight] : in_flight_) {
        if (resent++ >= config_.window_slots_max) break;
        for (std::uint32_t r = 0; r < config_.replicas; ++r) {
          if (r != config_.self && !flight.accepted_by.count(r)) {
            out.sends.push_back({r, paxos_accept{ballot_, slot, flight.value}});
          }
        }
      }
    }
    return out;
  }
  if (now_ms >= election_deadline_ms_ && now_ms >= quiet_until_ms_) {
    if (config_.pre_vote && config_.replicas > 1) start_prevote(now_ms, out);
    else start_election(now_ms, out);
  }
  return out;
}

void replica_core::start_prevote(std::uint64_t now_ms, replica_output& out) {
  prevote_ballot_ = {std::max(highest_round_seen_, acceptor_.promised().round) + 1, config_.self};
  prevoted_by_ = {config_.self};
  reset_election_timer(now_ms);  // no quorum of yes by then: ask again
  broadcast(paxos_prevote{prevote_ballot_, chosen_below_}, out);
}

// Yes only when this replica would promise `proposal` and has not heard a leader
// (other than the asker) for leader_alive_ms.
void replica_core::on_prevote(std::uint32_t from, const paxos_prevote& m, replica_output& out, std::uint64_t now_ms) {
  bool leader_alive = role_ == replica_role::leader ||
                      (leader_heard_ms_ && now_ms < *leader_heard_ms_ + config_.leader_alive_ms &&
                       leader_hint_ != from);
  bool granted = !rejoining_ && !leader_alive && m.proposal > acceptor_.promised();
  out.sends.push_back({from, paxos_prevote_reply{m.proposal, granted, acceptor_.promised()}});
}

void replica_core::on_prevote_reply(std::uint32_t from, const paxos_prevote_reply& m, replica_output& out,
                                    std::uint64_t now_ms) {
  highest_round_seen_ = std::max(highest_round_seen_, m.promised.round);
  if (prevote_ballot_.is_zero() || m.proposal != prevote_ballot_ || !m.granted) return;
  prevoted_by_.insert(from);
  if (prevoted_by_.size() < config_.replicas / 2 + 1 || role_ == replica_role::leader) return;
  prevote_ballot_ = {};
  prevoted_by_.clear();
  start_election(now_ms, out);
}

void replica_core::heard_leader(std::uint32_t leader, std::uint64_t now_ms) {
  leader_hint_ = leader;
  leader_heard_ms_ = now_ms;
  prevote_ballot_ = {};
  prevoted_by_.clear();
  reset_election_timer(now_ms);
}

void replica_core::start_election(std::uint64_t now_ms, replica_output& out) {
  role_ = replica_role::candidate;
  highest_round_seen_ = std::max(highest_round_seen_, acceptor_.promised().round) + 1;
  ballot_ = {highest_round_seen_, config_.self};
  promised_by_.clear();
  promised_entries_.clear();
  in_flight_.clear();
  reset_election_timer(now_ms);
  paxos_prepare prepare{ballot_, chosen_below_};
  broadcast(prepare, out);
  deliver_to_self(prepare, out, now_ms);
}

bool replica_core::abdicate(std::uint64_t now_ms, replica_output& out) {
  if (role_ != replica_role::leader) return false;
  step_down(ballot_, now_ms, out);
  leader_hint_.reset();
  quiet_until_ms_ = now_ms + 2 * config_.election_timeout_ms_max;
  return true;
}

void replica_core::step_down(const ballot& higher, std::uint64_t now_ms, replica_output& out) {
  highest_round_seen_ = std::max(highest_round_seen_, higher.round);
  if (role_ != replica_role::follower) {
    role_ = replica_role::follower;
    in_flight_.clear();
    promised_by_.clear();
    promised_entries_.clear();
    pending_.clear();  // their clients time out and retry at the new leader
    drop_reads(out);
  }
  leader_hint_ = higher.replica;
  reset_election_timer(now_ms);
}

replica_output replica_core::on_message(std::uint32_t from, const paxos_message& message, std::uint64_t now_ms) {
  BUCKY_CHECK(from < config_.replicas);
  replica_output out;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, paxos_prepare>) on_prepare(from, m, out, now_ms);
        else if constexpr (std::is_same_v<T, paxos_promise>) on_promise(from, m, out, now_ms);
        else if constexpr (std::is_same_v<T, paxos_accept>) on_accept(from, m, out, now_ms);
        else if constexpr (std::is_same_v<T, paxos_accepted>) on_accepted(from, m, out, now_ms);
        else if constexpr (std::is_same_v<T, paxos_commit>) on_commit(from, m, out, now_ms);
        else if constexpr (std::is_same_v<T, paxos_beat_ack>) on_beat_ack(from, m, out, now_ms);
        else if constexpr (std::is_same_v<T, paxos_catchup_request>) on_catchup_request(from, m, out);
        else if constexpr (std::is_same_v<T, paxos_catchup_reply>) on_catchup_reply(m, out);
        else if constexpr (std::is_same_v<T, paxos_rejoin_request>) on_rejoin_request(from, out);
        else if constexpr (std::is_same_v<T, paxos_rejoin_state>) on_rejoin_state(from, m);
        else if constexpr (std::is_same_v<T, paxos_prevote>) on_prevote(from, m, out, now_ms);
        else on_prevote_reply(from, m, out, now_ms);
      },
      message);
  return out;
}

void replica_core::on_prepare(std::uint32_t from, const paxos_prepare& m, replica_output& out, std::uint64_t now_ms) {
  if (rejoining_) return;  // no vote before the lost acceptor state is rebuilt
  auto answer = acceptor_.on_prepare(m, config_.promise_bytes_max);
  out.persist.push_back(answer);
  highest_round_seen_ = std::max(highest_round_seen_, m.proposal.round);
  if (answer.reply.ok && from != config_.self) {
    if (role_ != replica_role::follower && m.proposal > ballot_) step_down(m.proposal, now_ms, out);
    reset_election_timer(now_ms);  // give the candidate its chance
  }
  reply(from, answer.reply, out, now_ms);
}

void replica_core::on_promise(std::uint32_t from, const paxos_promise& m, replica_output& out, std::uint64_t now_ms) {
  if (role_ != replica_role::candidate || m.proposal != ballot_) return;
  if (!m.ok) {
    step_down(m.promised, now_ms, out);
    return;
  }
  if (m.compacted_below > chosen_below_) {
    // Slots below m.compacted_below are chosen, but we do not know their values
    // and so could not re-propose them. Catch up from that replica; let another lead.
    role_ = replica_role::follower;
    promised_by_.clear();
    promised_entries_.clear();
    reset_election_timer(now_ms);
    out.sends.push_back({from, paxos_catchup_request{chosen_below_}});
    return;
  }
  for (const auto& entry : m.accepted) {
    if (entry.slot < chosen_below_) continue;
    auto known = promised_entries_.find(entry.slot);
    if (known == promised_entries_.end() || known->second.accepted_in < entry.accepted_in) {
      promised_entries_[entry.slot] = entry;
    }
  }
  if (m.more_from != 0) {  // a part: the promise counts once every entry has arrived
    // Parts that keep arriving are progress: the election waits for them rather
    // than start over in a new ballot (which would ask for every part again).
    reset_election_timer(now_ms);
    paxos_prepare rest{ballot_, m.more_from};
    if (from == config_.self) deliver_to_self(rest, out, now_ms);
    else out.sends.push_back({from, rest});
    return;
  }
  promised_by_.insert(from);
  if (promised_by_.size() >= quorum()) become_leader(out, now_ms);
}

void replica_core::become_leader(replica_output& out, std::uint64_t now_ms) {
  role_ = replica_role::leader;
  leader_hint_ = config_.self;
  next_heartbeat_ms_ = 0;  // announce at the next tick
  std::fill(beat_acked_.begin(), beat_acked_.end(), 0);
  beat_acked_[config_.self] = beat_;
  std::fill(heard_ms_.begin(), heard_ms_.end(), now_ms);
  slot_id end = chosen_below_;
  if (!promised_entries_.empty()) end = std::max(end, promised_entries_.rbegin()->first + 1);
  for (auto [slot, value] : learned_) end = std::max(end, slot + 1);
  next_slot_ = chosen_below_;
  // Every open slot gets a value in our ballot: what was chosen or accepted with the
  // highest ballot, else a no-op (nothing can have been chosen there).
  for (slot_id slot = chosen_below_; slot < end; ++slot) {
    std::vector<std::uint8_t> value;
    if (auto learned = learned_.find(slot); learned != learned_.end()) value = learned->second;
    else if (auto accepted = promised_entries_.find(slot); accepted != promised_entries_.end()) value = accepted->second.value;
    propose(slot, std::move(value), out);
  }
  promised_entries_.clear();
  propose_pending(out);
}

void replica_core::propose(slot_id slot, std::vector<std::uint8_t> value, replica_output& out) {
  BUCKY_CHECK(role_ == replica_role::leader);
  BUCKY_CHECK_MSG(slot >= next_slot_, fmt::format("slot {} proposed twice (next {})", slot, next_slot_));
  next_slot_ = slot + 1;
  in_flight_[slot] = {value, {}};
  paxos_accept accept{ballot_, slot, std::move(value)};
  broadcast(accept, out);
  deliver_to_self(accept, out, 0);
}

void replica_core::propose_pending(replica_output& out) {
  while (role_ == replica_role::leader && in_flight_.size() < config_.window_slots_max && !pending_.empty()) {
    command_batch batch;
    std::size_t bytes = 0;
    while (!pending_.empty() && batch.commands.size() < config_.batch_commands_max &&
           (batch.commands.empty() || bytes + pending_.front().operation.size() <= config_.batch_bytes_max)) {
      bytes += pending_.front().operation.size();
      batch.commands.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    propose(next_slot_, encode(batch), out);
  }
}

bool replica_core::on_client_command(const client_command& command, replica_output& out) {
  BUCKY_CHECK_MSG(command.operation.size() <= config_.batch_bytes_max,
                  fmt::format("a {}-byte command was not refused before it reached the log", command.operation.size()));
  if (role_ != replica_role::leader || pending_.size() >= config_.pending_commands_max) return false;
  pending_.push_back(command);
  propose_pending(out);
  return true;
}

void replica_core::on_accept(std::uint32_t from, const paxos_accept& m, replica_output& out, std::uint64_t now_ms) {
  if (rejoining_) return;
  auto answer = acceptor_.on_accept(m);
  out.persist.push_back(answer);
  highest_round_seen_ = std::max(highest_round_seen_, m.proposal.round);
  if (answer.reply.ok && from != config_.self) {
    if (role_ != replica_role::follower && m.proposal > ballot_) step_down(m.proposal, now_ms, out);
    heard_leader(m.proposal.replica, now_ms);
  }
  reply(from, answer.reply, out, now_ms);
}

void replica_core::on_accepted(std::uint32_t from, const paxos_accepted& m, replica_output& out, std::uint64_t now_ms) {
  if (!m.ok) {
    if (m.promised > ballot_ && role_ != replica_role::follower) step_down(m.promised, now_ms, out);
    return;
  }
  if (role_ != replica_role::leader || m.proposal != ballot_) return;
  auto flight = in_flight_.find(m.slot);
  if (flight == in_flight_.end()) return;  // already chosen
  flight->second.accepted_by.insert(from);
  if (flight->second.accepted_by.size() < quorum()) return;
  auto value = std::move(flight->second.value);
  in_flight_.erase(flight);
  learn(m.slot, std::move(value), out);
  propose_pending(out);
}

void replica_core::learn(slot_id slot, std::vector<std::uint8_t> value, replica_output& out) {
  if (slot < learned_from_) return;  // chosen, applied and compacted here already
  auto [it, fresh] = learned_.emplace(slot, value);
  BUCKY_CHECK_MSG(fresh || it->second == value, fmt::format("slot {} learned two different values", slot));
  emit_chosen(out);
}

void replica_core::emit_chosen(replica_output& out) {
  const slot_id before = chosen_below_;
  while (true) {
    auto next = learned_.find(chosen_below_);
    if (next == learned_.end()) break;
    out.chosen.push_back({chosen_below_, next->second});
    ++chosen_below_;
  }
  if (chosen_below_ == before) return;
  compact(out);
  const std::uint64_t beat_before = beat_;
  serve_reads(out);
  // Followers learn what is chosen from a beat: one at once, not at the next
  // heartbeat, so their serializable reads lag a commit by a round trip, not up
  // to heartbeat_interval_ms (a file made on one node is seen on the others).
  if (role_ == replica_role::leader && beat_ == beat_before) send_beat(out);
}

// The shell makes the state machine hold out.chosen durably before it persists a
// compaction point above what it held, so the acceptor forgets only applied slots.
void replica_core::compact(replica_output& out) {
  if (chosen_below_ < learned_from_ + config_.log_retain_slots + config_.compaction_step_slots) return;
  learned_from_ = chosen_below_ - config_.log_retain_slots;
  learned_.erase(learned_.begin(), learned_.lower_bound(learned_from_));
  out.persist.push_back(acceptor_.compact_below(learned_from_));
}

replica_output replica_core::on_snapshot_installed(slot_id applied_below) {
  replica_output out;
  if (applied_below <= chosen_below_) return out;
  chosen_below_ = applied_below;
  learned_from_ = std::max(learned_from_, applied_below);
  learned_.erase(learned_.begin(), learned_.lower_bound(learned_from_));
  out.persist.push_back(acceptor_.compact_below(applied_below));
  emit_chosen(out);
  return out;
}

void replica_core::send_beat(replica_output& out) {
  BUCKY_CHECK(role_ == replica_role::leader);
  beat_ += 1;
  beat_acked_[config_.self] = beat_;
  broadcast(paxos_commit{ballot_, chosen_below_, beat_}, out);
}

// A leader cut off from a quorum for a whole election timeout steps down, so that
// clients connected to it go looking for the leader the others elected.
bool replica_core::lost_quorum(std::uint64_t now_ms) {
  heard_ms_[config_.self] = now_ms;
  std::vector<std::uint64_t> heard = heard_ms_;
  std::sort(heard.begin(), heard.end(), std::greater<>());
  return now_ms > heard[quorum() - 1] + config_.election_timeout_ms_max;
}

// The highest beat a quorum (counting ourselves) has acknowledged in our ballot.
std::uint64_t replica_core::confirmed_beat() const {
  std::vector<std::uint64_t> acked = beat_acked_;
  std::sort(acked.begin(), acked.end(), std::greater<>());
  return acked[quorum() - 1];
}

bool replica_core::on_read(std::uint64_t read_id, replica_output& out) {
  if (role_ != replica_role::leader || reads_.size() >= config_.reads_pending_max) return false;
  reads_.push_back({read_id, next_slot_, beat_ + 1});
  // One beat in flight at a time serves every read that arrived before it left.
  if (confirmed_beat() == beat_) send_beat(out);
  serve_reads(out);
  return true;
}

void replica_core::serve_reads(replica_output& out) {
  if (role_ != replica_role::leader) return;
  const auto confirmed = confirmed_beat();
  while (!reads_.empty() && reads_.front().beat_needed <= confirmed && reads_.front().read_index <= chosen_below_) {
    out.reads_ready.push_back(reads_.front().id);
    reads_.pop_front();
  }
  // Reads that arrived after the confirmed beat left need one more.
  if (!reads_.empty() && confirmed == beat_ && reads_.front().beat_needed > beat_) send_beat(out);
}

void replica_core::drop_reads(replica_output& out) {
  for (const auto& read : reads_) out.reads_dropped.push_back(read.id);
  reads_.clear();
}

void replica_core::on_commit(std::uint32_t from, const paxos_commit& m, replica_output& out, std::uint64_t now_ms) {
  if (rejoining_) {  // learn only: an acknowledgement would vouch for promises it lost
    leader_hint_ = m.leader.replica;
    if (m.chosen_below > chosen_below_ && !learned_.count(chosen_below_)) {
      out.sends.push_back({from, paxos_catchup_request{chosen_below_}});
    }
    return;
  }
  if (m.leader < acceptor_.promised()) {  // a deposed leader: tell it
    out.sends.push_back({from, paxos_beat_ack{m.leader, m.beat, false, acceptor_.promised()}});
    return;
  }
  out.sends.push_back({from, paxos_beat_ack{m.leader, m.beat, true, acceptor_.promised()}});
  highest_round_seen_ = std::max(highest_round_seen_, m.leader.round);
  if (role_ != replica_role::follower && m.leader > ballot_) step_down(m.leader, now_ms, out);
  if (role_ == replica_role::follower) heard_leader(m.leader.replica, now_ms);
  std::optional<slot_id> missing;
  for (slot_id slot = chosen_below_; slot < m.chosen_below; ++slot) {
    if (learned_.count(slot)) continue;
    // Accepted in the leader's own ballot means chosen with this value (a leader
    // proposes one value per slot per ballot, and only chosen-safe ones).
    auto accepted = acceptor_.accepted().find(slot);
    if (accepted != acceptor_.accepted().end() && accepted->second.accepted_in == m.leader) {
      learn(slot, accepted->second.value, out);
    } else if (!missing) {
      missing = slot;
    }
  }
  if (missing) out.sends.push_back({from, paxos_catchup_request{*missing}});
}

void replica_core::on_beat_ack(std::uint32_t from, const paxos_beat_ack& m, replica_output& out,
                               std::uint64_t now_ms) {
  if (!m.ok) {
    if (m.promised > ballot_ && role_ != replica_role::follower) step_down(m.promised, now_ms, out);
    return;
  }
  if (role_ != replica_role::leader || m.leader != ballot_) return;
  beat_acked_[from] = std::max(beat_acked_[from], m.beat);
  heard_ms_[from] = std::max(heard_ms_[from], now_ms);
  serve_reads(out);
}

void replica_core::on_catchup_request(std::uint32_t from, const paxos_catchup_request& m, replica_output& out) {
  if (m.from_slot < learned_from_) {
    out.snapshot_to.push_back(from);  // those values are compacted: send the state instead
    return;
  }
  paxos_catchup_reply reply{m.from_slot, {}};
  std::size_t bytes = 0;
  for (slot_id slot = m.from_slot; reply.values.size() < config_.catchup_values_max; ++slot) {
    auto value = learned_.find(slot);
    if (value == learned_.end()) break;
    if (!reply.values.empty() && bytes + value->second.size() > config_.catchup_bytes_max) break;
    bytes += value->second.size();
    reply.values.push_back(value->second);
  }
  if (!reply.values.empty()) out.sends.push_back({from, std::move(reply)});
}

void replica_core::on_catchup_reply(const paxos_catchup_reply& m, replica_output& out) {
  for (std::size_t i = 0; i < m.values.size(); ++i) learn(m.from_slot + i, m.values[i], out);
}

// An acceptor's state for a replica that lost its own. A rejoining replica has
// none to give.
void replica_core::on_rejoin_request(std::uint32_t from, replica_output& out) {
  if (rejoining_ || from == config_.self) return;
  paxos_rejoin_state state{acceptor_.promised(), chosen_below_, {}, true};
  std::size_t bytes = 0;
  for (auto it = acceptor_.accepted().lower_bound(chosen_below_); it != acceptor_.accepted().end(); ++it) {
    bytes += it->second.value.size();
    if (state.entries.size() >= config_.rejoin_entries_max || bytes > config_.catchup_bytes_max) {
      state.entries.clear();
      state.complete = false;
      break;
    }
    state.entries.push_back(it->second);
  }
  out.sends.push_back({from, std::move(state)});
}

void replica_core::on_rejoin_state(std::uint32_t from, const paxos_rejoin_state& m) {
  if (!rejoining_ || from == config_.self || !m.complete) return;
  rejoin_answers_[from] = m;
}

// Asks until f+1 others answered; installs once the state machine reached their
// largest chosen prefix (so the acceptor never claims to have forgotten more than
// is applied here).
void replica_core::tick_rejoin(std::uint64_t now_ms, replica_output& out) {
  const std::size_t needed = config_.replicas / 2 + 1;  // f+1 of the 2f others
  if (rejoin_answers_.size() < needed) {
    if (now_ms >= rejoin_next_ask_ms_) {
      rejoin_next_ask_ms_ = now_ms + config_.rejoin_ask_interval_ms;
      broadcast(paxos_rejoin_request{}, out);
    }
    return;
  }
  ballot promised = acceptor_.promised();
  slot_id known_chosen = 0;
  for (const auto& [r, answer] : rejoin_answers_) {
    promised = std::max(promised, answer.promised);
    known_chosen = std::max(known_chosen, answer.chosen_below);
  }
  if (chosen_below_ < known_chosen) {
    if (now_ms >= rejoin_next_ask_ms_ && leader_hint_) {  // keep learning up to K
      rejoin_next_ask_ms_ = now_ms + config_.rejoin_ask_interval_ms;
      out.sends.push_back({*leader_hint_, paxos_catchup_request{chosen_below_}});
    }
    return;
  }
  slot_id forgotten_below = std::max(known_chosen, acceptor_.compacted_below());
  std::map<slot_id, accepted_entry> highest;
  for (const auto& [r, answer] : rejoin_answers_) {
    for (const auto& entry : answer.entries) {
      if (entry.slot < forgotten_below) continue;
      auto& kept = highest[entry.slot];
      if (kept.value.empty() && kept.accepted_in.is_zero()) kept = entry;
      else if (entry.accepted_in > kept.accepted_in) kept = entry;
    }
  }
  std::vector<accepted_entry> entries;
  out.persist.push_back({promised, std::nullopt, forgotten_below});
  for (auto& [slot, entry] : highest) {
    out.persist.push_back({std::nullopt, entry, std::nullopt});
    entries.push_back(std::move(entry));
  }
  acceptor_ = acceptor_core(promised, std::move(entries), forgotten_below);
  highest_round_seen_ = std::max(highest_round_seen_, promised.round);
  rejoining_ = false;
  rejoin_answers_.clear();
  out.rejoined = true;
  reset_election_timer(now_ms);
}

}  // namespace bucky
