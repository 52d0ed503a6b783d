// paxos: the replica of the zone state on a state node (DESIGN §5): the thin CAF
// shell around replica_core. It persists acceptor state (one synced append to the
// acceptor log per step) before any message leaves, talks to the other replicas through the
// transport (one-way envelopes to their "paxos" actors), applies chosen slots to
// the kv_store, and serves kv_client_request: writes go through the log on the
// leader and linearizable reads through its read index (followers forward both);
// serializable reads answer from this node's applied state.
//
// Group commit: outputs of the core gather until a flush message queued behind the
// mailbox; one synced append then holds every acceptor write, and only after it do
// messages leave. Chosen slots are applied into the state machine's batch (an LMDB
// transaction committed every batch_interval_ms), so the actor is detached.
// A replica behind the leader's compacted log gets a snapshot in acknowledged chunks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/paxos/snapshot_sender.hpp"
#include "actors/runtime/component.hpp"
#include "actors/runtime/injected_faults.hpp"
#include "net/keys.hpp"

namespace bucky {

struct paxos_config {
  std::string node_id;
  std::vector<std::string> replicas;  // state node ids; index = replica number
  std::string state_dir;              // the LMDB environment
  std::size_t map_size_bytes = std::size_t{1} << 30;
  std::uint64_t tick_ms = 10;
  std::uint64_t request_timeout_ms = 5'000;
  std::size_t waiting_requests_max = 10'000;
  std::uint8_t forward_hops_max = 2;
  // Paxos slots in flight at once. Commands arriving while a slot is in flight
  // share the next one. On a 2-core machine with one disk, where fsyncs and
  // messages cost more than waiting, 1 measured best (64 clients: ~4,400 writes/s
  // against ~3,100 with 4 and ~1,800 with 16); machines with more cores and fast
  // disks may want more.
  std::size_t window_slots_max = 1;
  // The state machine commits its batch of applied slots this often (synced), and
  // after this many slots or bytes of slots (LMDB refuses a transaction of more than
  // 512 MiB of dirty pages); the acceptor log alone is synced per step. A commit
  // stops the replica for its duration, which depends on the pages the batch
  // touched more than on its slots (random writes over 10,000 keys: ~7 ms for 70
  // slots and for 700), so rare commits stop it rarely: at 64 writing clients, p99
  // went from 19-21 to 14-16 ms with 1 s instead of 100 ms. A crash costs only the
  // re-application of the batch's slots from the acceptor log.
  std::uint64_t batch_interval_ms = 1'000;
  std::size_t batch_slots_max = 4'000;
  std::size_t batch_bytes_max = std::size_t{32} << 20;
  std::size_t acceptor_segment_bytes = std::size_t{16} << 20;  // acceptor log segment size
  std::uint64_t log_retain_slots = 10'000;     // chosen values kept for catch-up
  std::uint64_t compaction_step_slots = 1'000;
  snapshot_limits snapshot;
  std::size_t watchers_max = 1'000;  // long-polling watches waiting at once
  // When this file exists, the replica's acceptor state was lost (its machine was
  // replaced): it votes only after rebuilding it from the others (replica_config::
  // rejoining), then removes the file. Written at activation.
  std::string rejoin_marker;
  // Kept apart from state_dir: which acceptor log segments exist (log_marker.hpp).
  std::string acceptor_marker;
  // Written (with the reason) when a value of the zone state fails its check on
  // read or in the scrub: the next start sets the state aside and rebuilds it
  // from the others, as for a lost acceptor log.
  std::string state_corrupt_marker;
  // The background scrub reads this many values, and at most this many bytes, of
  // the committed zone state per second (each checked): a pass over 100,000 small
  // keys and their history every ~half minute, a few ms of one thread per second.
  std::size_t scrub_rows_per_second = 8'192;
  std::size_t scrub_bytes_per_second = std::size_t{16} << 20;
  // A zone of 1 state node whose acceptor state was lost goes on from what its
  // zone state last committed, instead of refusing to start (--accept-state-loss).
  bool accept_state_loss = false;
  // The zone's owner: a /system/zone_config write must carry its signature (none for
  // a development node without a zone config).
  std::optional<net::public_key> zone_owner;
  // Tests only: an injected slow or full disk and clock jumps (none in production).
  std::shared_ptr<const injected_faults> faults;
};

caf::actor spawn_paxos(caf::actor_system& system, const child_context& context, paxos_config config);

}  // namespace bucky
