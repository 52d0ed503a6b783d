#include "actors/paxos/snapshot_sender.hpp"

#include <fmt/format.h>

namespace bucky {

snapshot_sender::step snapshot_sender::start(std::uint64_t now_ms) { return send_next(now_ms); }

snapshot_sender::step snapshot_sender::send_next(std::uint64_t now_ms) {
  step out;
  auto rows = reader_.next_chunk(limits_.chunk_bytes_max);
  if (!rows) {
    out.finished = true;
    out.error = rows.error();
    return out;
  }
  paxos_snapshot_chunk chunk{id_, reader_.applied_below(), next_chunk_, reader_.done(), std::move(*rows)};
  for (const auto& row : chunk.records) bytes_ += row.key.size() + row.value.size();
  ++next_chunk_;
  sent_ms_ = now_ms;
  in_flight_ = chunk;
  out.send = std::move(chunk);
  return out;
}

snapshot_sender::step snapshot_sender::on_ack(const paxos_snapshot_ack& ack, std::uint64_t now_ms) {
  step out;
  if (ack.snapshot_id != id_ || !in_flight_ || ack.chunk != in_flight_->chunk) return out;  // stale
  if (!ack.ok) {
    out.finished = true;
    out.error = status(status_code::unavailable, fmt::format("the receiver refused chunk {}", ack.chunk));
    return out;
  }
  progress_ms_ = now_ms;
  if (in_flight_->last) {
    in_flight_.reset();
    out.finished = true;
    return out;
  }
  return send_next(now_ms);
}

snapshot_sender::step snapshot_sender::on_tick(std::uint64_t now_ms) {
  step out;
  if (now_ms >= progress_ms_ + limits_.idle_ms) {
    out.finished = true;
    out.error = status(status_code::timeout, fmt::format("no acknowledgement for {} ms", limits_.idle_ms));
    return out;
  }
  if (in_flight_ && now_ms >= sent_ms_ + limits_.resend_ms) {
    sent_ms_ = now_ms;
    out.send = in_flight_;
  }
  return out;
}

}  // namespace bucky
