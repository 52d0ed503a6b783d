#include "actors/paxos/paxos_actor.hpp"

#include <fmt/format.h>

namespace bucky::paxos_shell {

void paxos_actor::start_snapshot(std::uint32_t to) {
  if (snapshots_out_.count(to)) return;  // one at a time per replica
  auto reader = kv_->begin_snapshot();
  if (!reader) {
    log().warn("cannot read a snapshot for {}: {}", config_.replicas[to], reader.error().to_string());
    return;
  }
  auto id = ++last_snapshot_id_;
  auto [it, fresh] =
      snapshots_out_.emplace(to, snapshot_sender(id, std::move(*reader), config_.snapshot, steady_ms()));
  log().info("sending snapshot {} (applied below slot {}) to {}: it is behind the compacted log", id,
             it->second.applied_below(), config_.replicas[to]);
  carry_out_snapshot(to, it->second.start(steady_ms()));
}

void paxos_actor::on_snapshot_ack(const std::string& peer, const paxos_snapshot_ack& ack) {
  auto index = replica_index(peer);
  if (!index) return;
  auto sender = snapshots_out_.find(*index);
  if (sender == snapshots_out_.end()) return;
  carry_out_snapshot(*index, sender->second.on_ack(ack, steady_ms()));
}

void paxos_actor::tick_snapshots() {
  std::vector<std::uint32_t> peers;
  for (auto& [to, sender] : snapshots_out_) peers.push_back(to);
  for (auto to : peers) carry_out_snapshot(to, snapshots_out_.at(to).on_tick(steady_ms()));
}

void paxos_actor::carry_out_snapshot(std::uint32_t to, snapshot_sender::step step) {
  const auto& sender = snapshots_out_.at(to);
  if (step.send) send_to_peer(to, *step.send);
  if (!step.finished) return;
  if (step.error.is_ok()) {
    log().info("snapshot {} to {} delivered: {} chunks, {} bytes, {} ms", sender.id(), config_.replicas[to],
               sender.chunks_sent(), sender.bytes_sent(), steady_ms() - sender.started_ms());
  } else {
    log().warn("snapshot {} to {} abandoned after {} chunks: {}", sender.id(), config_.replicas[to],
               sender.chunks_sent(), step.error.to_string());
  }
  snapshots_out_.erase(to);
}

// The receiving side: chunks are staged in order in their own tables; the last
// one swaps the state in, in one transaction, and the core moves on from there.
void paxos_actor::on_snapshot_chunk(const std::string& peer, const paxos_snapshot_chunk& chunk) {
  auto index = replica_index(peer);
  if (!index) return;
  paxos_snapshot_ack ack{chunk.snapshot_id, chunk.chunk, false};
  const bool fresh = chunk.chunk == 0;
  const bool ours = incoming_ && incoming_->from == *index && incoming_->snapshot_id == chunk.snapshot_id;
  if (chunk.applied_below <= applied_below()) {
    incoming_.reset();  // we are already there: stop the sender
  } else if (ours && chunk.chunk < incoming_->next_chunk) {
    ack.ok = true;  // a resend of a chunk we stored: its ack was lost
  } else if (fresh || (ours && chunk.chunk == incoming_->next_chunk)) {
    if (fresh) incoming_ = incoming_snapshot{*index, chunk.snapshot_id, 0};
    ack.ok = stage(chunk);
  } else {
    incoming_.reset();
  }
  send_to_peer(*index, ack);
}

bool paxos_actor::stage(const paxos_snapshot_chunk& chunk) {
  const auto from = config_.replicas[incoming_->from];
  if (auto staged = kv_->stage_snapshot_chunk(chunk); !staged.is_ok()) {
    log().warn("snapshot {} chunk {} from {} refused: {}", chunk.snapshot_id, chunk.chunk, from, staged.to_string());
    incoming_.reset();
    return false;
  }
  incoming_->next_chunk = chunk.chunk + 1;
  if (!chunk.last) return true;
  incoming_.reset();
  flush();  // what was gathered applies before the state is replaced
  if (chunk.applied_below <= applied_below()) return true;  // the log got us there meanwhile
  if (auto installed = kv_->install_staged_snapshot(chunk.applied_below); !installed.is_ok()) {
    log().warn("snapshot {} from {} not installed: {}", chunk.snapshot_id, from, installed.to_string());
    return false;
  }
  log().info("installed snapshot {} from {}: the state now holds slots below {}", chunk.snapshot_id, from,
             chunk.applied_below);
  take(core_->on_snapshot_installed(chunk.applied_below));
  poll_watchers();
  return true;
}

}  // namespace bucky::paxos_shell
