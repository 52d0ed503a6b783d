// replica_driver's snapshots, for replicas behind the compacted log: the sending
// side runs one snapshot_sender per replica; the receiving side stages chunks in
// order in their own tables, and the last one swaps the state in, in one
// transaction, after which the core goes on from there.
#include "actors/paxos/replica_driver.hpp"

#include <fmt/format.h>

namespace bucky {

void replica_driver::start_snapshot(std::uint32_t to, std::uint64_t now_ms) {
  if (snapshots_out_.count(to)) return;  // one at a time per replica
  auto reader = store_.begin_snapshot();
  if (!reader) {
    port_.warn(fmt::format("cannot read a snapshot for {}: {}", config_.replicas[to], reader.error().to_string()));
    return;
  }
  auto id = ++last_snapshot_id_;
  auto [it, fresh] = snapshots_out_.emplace(to, snapshot_sender(id, std::move(*reader), config_.snapshot, now_ms));
  port_.info(fmt::format("sending snapshot {} (applied below slot {}) to {}: it is behind the compacted log", id,
                         it->second.applied_below(), config_.replicas[to]));
  carry_out_snapshot(to, it->second.start(now_ms), now_ms);
}

void replica_driver::on_snapshot_ack(std::uint32_t from, const paxos_snapshot_ack& ack, std::uint64_t now_ms) {
  auto sender = snapshots_out_.find(from);
  if (sender == snapshots_out_.end()) return;
  carry_out_snapshot(from, sender->second.on_ack(ack, now_ms), now_ms);
}

void replica_driver::carry_out_snapshot(std::uint32_t to, snapshot_sender::step step, std::uint64_t now_ms) {
  const auto& sender = snapshots_out_.at(to);
  if (step.send) port_.send_chunk(to, *step.send);
  if (!step.finished) return;
  if (step.error.is_ok()) {
    port_.info(fmt::format("snapshot {} to {} delivered: {} chunks, {} bytes, {} ms", sender.id(),
                           config_.replicas[to], sender.chunks_sent(), sender.bytes_sent(),
                           now_ms - sender.started_ms()));
  } else {
    port_.warn(fmt::format("snapshot {} to {} abandoned after {} chunks: {}", sender.id(), config_.replicas[to],
                           sender.chunks_sent(), step.error.to_string()));
  }
  snapshots_out_.erase(to);
}

void replica_driver::on_snapshot_chunk(std::uint32_t from, const paxos_snapshot_chunk& chunk, std::uint64_t now_ms) {
  paxos_snapshot_ack ack{chunk.snapshot_id, chunk.chunk, false};
  const bool fresh = chunk.chunk == 0;
  const bool ours = incoming_ && incoming_->from == from && incoming_->snapshot_id == chunk.snapshot_id;
  if (chunk.applied_below <= store_.applied_below()) {
    incoming_.reset();  // we are already there: stop the sender
  } else if (ours && chunk.chunk < incoming_->next_chunk) {
    ack.ok = true;  // a resend of a chunk we stored: its ack was lost
  } else if (fresh || (ours && chunk.chunk == incoming_->next_chunk)) {
    if (fresh) incoming_ = incoming_snapshot{from, chunk.snapshot_id, 0};
    ack.ok = stage(chunk, now_ms);
  } else {
    incoming_.reset();
  }
  port_.send_ack(from, ack);
}

bool replica_driver::stage(const paxos_snapshot_chunk& chunk, std::uint64_t now_ms) {
  const auto from = config_.replicas[incoming_->from];
  if (auto staged = store_.stage_snapshot_chunk(chunk); !staged.is_ok()) {
    port_.warn(fmt::format("snapshot {} chunk {} from {} refused: {}", chunk.snapshot_id, chunk.chunk, from,
                           staged.to_string()));
    incoming_.reset();
    return false;
  }
  incoming_->next_chunk = chunk.chunk + 1;
  if (!chunk.last) return true;
  incoming_.reset();
  // What was gathered applies before the state is replaced.
  if (auto flushed = flush(now_ms); !flushed.is_ok()) {
    throw std::runtime_error("persisting acceptor state: " + flushed.to_string());
  }
  if (chunk.applied_below <= store_.applied_below()) return true;  // the log got us there meanwhile
  if (auto installed = store_.install_staged_snapshot(chunk.applied_below); !installed.is_ok()) {
    port_.warn(fmt::format("snapshot {} from {} not installed: {}", chunk.snapshot_id, from, installed.to_string()));
    return false;
  }
  port_.info(fmt::format("installed snapshot {} from {}: the state now holds slots below {}", chunk.snapshot_id, from,
                         chunk.applied_below));
  take(core_.on_snapshot_installed(chunk.applied_below));
  port_.state_changed();
  return true;
}

}  // namespace bucky
