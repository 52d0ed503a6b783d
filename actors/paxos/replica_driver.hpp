// The paxos shell's logic as one plain class, run by the paxos actor (actor.cpp)
// and by the simulator (tests/sim/paxos/world.cpp) alike: around replica_core it
// keeps
//   - group commit: outputs gather until flush(), which carries them out together
//     (carry_out.hpp: persist, send, apply and answer, compact, the rest), the
//     leader's accepts leaving before it (sends_before_flush);
//   - the zone state's batch: chosen slots apply into one LMDB write transaction
//     (kv_store), committed every batch_interval_ms, when it grows past its
//     limits, and before the acceptor forgets slots (compaction);
//   - the clients waiting on this replica: writes until their slot applies, reads
//     until the read index confirms leadership, each with its deadline;
//   - snapshots to replicas behind the compacted log, and from the leader;
//   - the end of a rejoin, and the leader's lease clocks.
// No CAF, sockets, threads or clock: time comes in as now_ms, messages leave
// through driver_port. Its disk I/O is the acceptor log's (on the storage::
// file_system it was opened on) and kv_store's LMDB environment; a failure of
// either is returned (or thrown, when the state in memory can no longer be
// trusted), and the shell then dies (let it crash) and starts again from disk.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/paxos/acceptor_log.hpp"
#include "actors/paxos/carry_out.hpp"
#include "actors/paxos/deadline_queue.hpp"
#include "actors/paxos/lease_timers.hpp"
#include "actors/paxos/replica_core.hpp"
#include "actors/paxos/snapshot_sender.hpp"
#include "actors/zone_state/kv_store.hpp"
#include "messages/kv.hpp"
#include "messages/kv_client.hpp"

namespace bucky {

struct driver_config {
  std::string node_id;                // names this replica in answers
  std::vector<std::string> replicas;  // names, by replica index (for log lines)
  std::uint64_t request_timeout_ms = 5'000;
  std::size_t waiting_requests_max = 10'000;
  std::uint64_t batch_interval_ms = 1'000;
  std::size_t batch_slots_max = 4'000;
  std::size_t batch_bytes_max = std::size_t{32} << 20;
  snapshot_limits snapshot;
};

// How the driver reaches out: the actor sends through the transport and logs; the
// simulator puts messages on its network.
class driver_port {
 public:
  virtual ~driver_port() = default;
  virtual void send(std::uint32_t to, const paxos_message& message) = 0;
  virtual void send_chunk(std::uint32_t to, const paxos_snapshot_chunk& chunk) = 0;
  virtual void send_ack(std::uint32_t to, const paxos_snapshot_ack& ack) = 0;
  // Output is gathered: call flush() once what is queued ahead has been taken
  // (once per call; the driver does not ask again before its flush).
  virtual void flush_needed() = 0;
  // Slots were applied or a snapshot installed: watches may have news.
  virtual void state_changed() = 0;
  // One chosen slot was applied into the batch (the simulator checks agreement).
  virtual void applied(const chosen_value& chosen) {}
  // The rebuilt acceptor state is durable: the rejoin marker goes (replica_files).
  [[nodiscard]] virtual status end_rejoin() = 0;
  virtual void info(const std::string& line) = 0;
  virtual void warn(const std::string& line) = 0;
};

using reply_fn = std::function<void(kv_client_response)>;

// Client answers.
kv_client_response refused(const status& why, const std::string& node);
kv_client_response answered(kv_response response, const std::string& node);
bool is_keepalive(const kv_request& request);

class replica_driver {
 public:
  replica_driver(driver_config config, replica_core core, kv_store& store, acceptor_log& log, driver_port& port,
                 std::uint64_t now_ms);

  // --- events ---
  void on_message(std::uint32_t from, const paxos_message& message, std::uint64_t now_ms);
  void on_snapshot_chunk(std::uint32_t from, const paxos_snapshot_chunk& chunk, std::uint64_t now_ms);
  void on_snapshot_ack(std::uint32_t from, const paxos_snapshot_ack& ack, std::uint64_t now_ms);
  // Elections, resends, the batch's commit, snapshots, lease expiry, deadlines.
  void on_tick(std::uint64_t now_ms);
  // Fails the writes and reads whose deadline passed (also in on_tick).
  void expire_due(std::uint64_t now_ms);
  // Carries out what was gathered. A failed acceptor write is returned with
  // nothing that rested on it done: the shell must stop.
  [[nodiscard]] status flush(std::uint64_t now_ms);

  // --- clients (on the leader; `done` is called exactly once) ---
  void propose(const kv_client_request& request, reply_fn done, std::uint64_t now_ms);
  void read(const kv_client_request& request, reply_fn done, std::uint64_t now_ms);
  // The operator's step-down: false when this replica does not lead.
  bool step_down(std::uint64_t now_ms);
  // Every waiting client is told `why` (the shell stops).
  void fail_all(const status& why);
  // The shell stops: the batch is committed (a requested stop) or dropped (a
  // crash: it may hold half a slot, which the log applies again).
  void stop(bool keep_batch);

  const replica_core& core() const { return core_; }
  std::size_t waiting() const { return waiting_.size(); }

 private:
  using request_key = std::pair<std::uint64_t, std::uint64_t>;  // (client_id, sequence)
  struct waiting_write {
    reply_fn done;
    std::uint64_t deadline_ms = 0;
  };
  struct pending_read {
    kv_request request;
    reply_fn done;
    std::uint64_t deadline_ms = 0;
  };
  struct incoming_snapshot {
    std::uint32_t from = 0;
    std::uint64_t snapshot_id = 0;
    std::uint64_t next_chunk = 0;
  };
  class effects;  // carry_out's side here (replica_driver.cpp)

  void take(replica_output out);
  void commit_batch(std::uint64_t now_ms);
  void note_role(std::uint64_t now_ms);
  void answer(command_outcome& outcome, std::uint64_t now_ms);
  void answer_read(std::uint64_t id, std::uint64_t now_ms);
  void fail_read(std::uint64_t id, const status& why);
  void expire_leases(std::uint64_t now_ms);
  void start_snapshot(std::uint32_t to, std::uint64_t now_ms);
  void carry_out_snapshot(std::uint32_t to, snapshot_sender::step step, std::uint64_t now_ms);
  bool stage(const paxos_snapshot_chunk& chunk, std::uint64_t now_ms);

  driver_config config_;
  replica_core core_;
  kv_store& store_;
  acceptor_log& log_;
  driver_port& port_;
  replica_output pending_;  // gathered until the next flush
  bool flush_asked_ = false;
  std::uint64_t batch_committed_ms_ = 0;
  std::map<request_key, waiting_write> waiting_;
  deadline_queue<request_key> write_deadlines_;
  std::map<std::uint64_t, pending_read> reads_;
  deadline_queue<std::uint64_t> read_deadlines_;
  std::uint64_t last_read_id_ = 0;
  std::map<std::uint32_t, snapshot_sender> snapshots_out_;
  std::uint64_t last_snapshot_id_ = 0;
  std::optional<incoming_snapshot> incoming_;
  lease_timers lease_timers_;
  std::uint64_t internal_sequence_ = 0;
  replica_role last_role_ = replica_role::follower;
  bool ready_said_ = false;  // "boot: ready" once per start
};

}  // namespace bucky
