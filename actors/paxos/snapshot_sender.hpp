// One snapshot on its way to one replica that is behind the compacted log: chunks
// of at most chunk_bytes_max, one in flight, the next only after the receiver
// acknowledged the previous one; the chunk in flight is resent after resend_ms and
// the transfer is abandoned after idle_ms without progress (the receiver asks again
// through catch-up, and gets a fresh snapshot).
#pragma once

#include <cstdint>
#include <optional>

#include "actors/zone_state/kv_snapshot.hpp"
#include "messages/kv.hpp"
#include "messages/limits.hpp"
#include "messages/paxos.hpp"

namespace bucky {

struct snapshot_limits {
  // A chunk holds rows up to this many bytes, or one row alone when it is larger.
  static constexpr std::size_t chunk_bytes_default = 1024 * 1024;
  static_assert(chunk_bytes_default + 64 * 1024 <= limits::message_size_bytes_max &&
                    kv_limits::stored_row_bytes_max + 64 * 1024 <= limits::message_size_bytes_max,
                "a chunk fits one message with its envelope");
  std::size_t chunk_bytes_max = chunk_bytes_default;
  std::uint64_t resend_ms = 1'000;
  std::uint64_t idle_ms = 30'000;
};

class snapshot_sender {
 public:
  struct step {
    std::optional<paxos_snapshot_chunk> send;
    bool finished = false;  // delivered, abandoned or failed: drop this sender
    status error;           // why it failed, when it did
  };

  snapshot_sender(std::uint64_t id, kv_snapshot_reader reader, snapshot_limits limits, std::uint64_t now_ms)
      : id_(id), reader_(std::move(reader)), limits_(limits), started_ms_(now_ms), progress_ms_(now_ms) {}

  step start(std::uint64_t now_ms);
  step on_ack(const paxos_snapshot_ack& ack, std::uint64_t now_ms);
  step on_tick(std::uint64_t now_ms);

  std::uint64_t id() const { return id_; }
  slot_id applied_below() const { return reader_.applied_below(); }
  std::uint64_t chunks_sent() const { return next_chunk_; }
  std::uint64_t bytes_sent() const { return bytes_; }
  std::uint64_t started_ms() const { return started_ms_; }

 private:
  step send_next(std::uint64_t now_ms);

  std::uint64_t id_;
  kv_snapshot_reader reader_;
  snapshot_limits limits_;
  std::uint64_t started_ms_;
  std::uint64_t progress_ms_;
  std::uint64_t sent_ms_ = 0;
  std::uint64_t next_chunk_ = 0;
  std::uint64_t bytes_ = 0;
  std::optional<paxos_snapshot_chunk> in_flight_;
};

}  // namespace bucky
