// The paxos actor's class (internal to actors/paxos/): the thin CAF shell around
// replica_driver (replica_driver.hpp: group commit, the zone state's batch,
// waiting clients, snapshots, leases), described in actor.hpp. Its handlers live
// in files by concern:
//   actor.cpp            messages in, the driver's port out, ticks, spawn
//   actor_clients.cpp    client requests: serve, forward to the leader (batched)
//   actor_watches.cpp    long-poll watches over the applied history
//   actor_state.cpp      the state on disk: open, scrub, set aside what is damaged
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include <caf/all.hpp>

#include "actors/paxos/acceptor_log.hpp"
#include "actors/paxos/acceptor_store.hpp"
#include "actors/paxos/carry_out.hpp"
#include "actors/paxos/actor.hpp"
#include "actors/paxos/deadline_queue.hpp"
#include "actors/paxos/lease_timers.hpp"
#include "actors/paxos/local_call.hpp"
#include "actors/paxos/replica_core.hpp"
#include "actors/paxos/replica_driver.hpp"
#include "actors/paxos/replica_files.hpp"
#include "actors/paxos/snapshot_sender.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/zone_state/acl.hpp"
#include "actors/zone_state/system_config.hpp"
#include "actors/zone_state/kv_store.hpp"
#include "actors/runtime/message_types.hpp"

namespace bucky::paxos_shell {

using expire_watch_atom = caf::atom_constant<caf::atom("expirewtch")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using forward_flush_atom = caf::atom_constant<caf::atom("fwdflush")>;
// Client requests (actor_clients.cpp).
bool read_only(const kv_request& request);
std::size_t approximate_bytes(const kv_request& request);

class paxos_actor : public component_actor {
 public:
  paxos_actor(caf::actor_config& actor_config, child_context context, paxos_config config);
  ~paxos_actor() override;

  caf::behavior make_behavior() override;
  // Crash or shutdown: everyone still waiting here is told now, not at their timeout.
  void on_exit() override;

 private:
  // --- the state on disk and what cannot be trusted in it (actor_state.cpp) ---
  void open_state();
  acceptor_core open_storage();
  void close_storage();
  acceptor_core open_acceptor_log();
  storage::append_log_options acceptor_log_options() const;
  void set_aside(const std::string& dir, const status& why, state_loss loss);
  replica_files files() const;
  void log_notices(const std::vector<replica_notice>& notices);
  void scrub();
  // A full (or failing) disk: the replica stops taking part rather than crash-loop
  // (disk_probe.cpp).
  void check_disk();
  bool disk_unwritable() const { return disk_problem_.has_value(); }
  kv_client_response refused_for_disk() const;
  bool rejoin_requested();
  zone_state_status status_report();
  const acl_config& current_acl();
  template <class Request>
  status check_caller(const caller& from, const Request& request);
  status check_documents(const kv_request& request);
  // Admits a request: the ACL, the system documents, then the principal stamped.
  status admit(const caller& from, kv_request& request);
  // Who a client request acts for: `from`, or the app it names when `from` is a
  // node that has that app placed on it (kRPC); an error otherwise.
  result<caller> acting_for(const caller& from, const kv_client_request& request);
  void stamp(const caller& from, kv_request& request);

  slot_id applied_below() const { return kv_->applied_below(); }
  const replica_core& core() const { return driver_->core(); }

  // The replica's monotonic clock (elections, lease expiry, snapshot pacing); a
  // test's injected clock jump moves it forward.
  std::uint64_t steady_ms() const {
    auto now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now().time_since_epoch())
                                              .count());
    return config_.faults ? now + config_.faults->clock_offset_ms() : now;
  }
  void schedule_tick() { delayed_send(this, std::chrono::milliseconds(config_.tick_ms), tick_atom::value); }

  std::optional<std::uint32_t> replica_index(const std::string& node) const {
    auto index = std::find(config_.replicas.begin(), config_.replicas.end(), node);
    if (index == config_.replicas.end()) return std::nullopt;
    return static_cast<std::uint32_t>(index - config_.replicas.begin());
  }

  template <class Message>
  void from_peer(const std::string& peer, const Message& message) {
    auto index = replica_index(peer);
    if (!index) {
      log().warn("dropped {} from {}: not a state node", Message::type_name, peer);
      return;
    }
    if (disk_unwritable()) return;  // no vote without a disk to keep it on
    driver_->on_message(*index, message, steady_ms());
  }

  class port;  // the driver's way out: the transport, this mailbox, the log (actor.cpp)
  driver_port& open_port();
  void flush();
  admin_action_reply step_down(const caller& from);

  template <class Message>
  void send_to_peer(std::uint32_t to, const Message& message) {
    auto transport = system().registry().get<caf::actor>(caf::atom("transport"));
    if (transport) send(transport, make_remote_cast(config_.replicas[to], "paxos", message));
  }

  // --- watches: long polls answered from this node's applied history ---

  caf::result<kv_watch_response> serve_watch(const kv_watch_request& request);
  kv_watch_response watch_answer(watch_batch& batch) const;
  kv_watch_response watch_refused(const status& why) const;
  void poll_watchers();
  void expire_watch(std::uint64_t id);
  void serve(kv_client_request& request, reply_fn done);
  caf::result<kv_forward_batch_response> serve_batch(kv_forward_batch& batch);
  void forward(kv_client_request request, reply_fn done);
  void flush_forwards();

  void send_forward_batch(const caf::actor& transport, const std::string& leader, const kv_forward_batch& batch,
                          std::shared_ptr<std::vector<reply_fn>> dones) {
    auto timeout = std::chrono::milliseconds(config_.request_timeout_ms);
    auto fail_all = [dones](const kv_client_response& why) {
      for (auto& done : *dones) done(why);
    };
    this->request(transport, timeout + std::chrono::seconds(1), make_remote_call(leader, "paxos", batch, timeout))
        .then(
            [this, dones, fail_all](remote_reply& reply) {
              auto answer = decode_remote_reply<kv_forward_batch_response>(reply);
              if (!answer || answer->responses.size() != dones->size()) {
                return fail_all(refused(answer ? status(status_code::internal, "forward batch answer of the wrong size")
                                               : answer.error(),
                                        config_.node_id));
              }
              for (std::size_t i = 0; i < dones->size(); ++i) (*dones)[i](std::move(answer->responses[i]));
            },
            [this, fail_all](caf::error& error) {
              fail_all(refused({status_code::unavailable, "forwarding to the leader: " + describe_exit_reason(error)},
                               config_.node_id));
            });
  }

  paxos_config config_;
  std::unique_ptr<storage::lmdb_env> env_;
  std::unique_ptr<acceptor_log> acceptor_log_;
  std::optional<kv_store> kv_;
  std::uint64_t scrubbed_ms_ = 0;         // the scrub last read then
  kv_store::scrub_position scrub_position_;
  // Set by the LMDB environment when a value fails its check (any thread).
  std::shared_ptr<std::atomic<bool>> corruption_seen_ = std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<port> port_;
  std::optional<replica_driver> driver_;
  struct forwarded {
    kv_client_request request;
    reply_fn done;
  };

  struct watcher {
    kv_watch_request request;  // its position moves on as unmatched changes pass
    caf::response_promise promise;
  };

  std::vector<forwarded> forwards_;  // gathered until the next forward flush
  bool forward_flush_queued_ = false;
  std::map<std::uint64_t, watcher> watchers_;
  std::uint64_t last_watch_id_ = 0;
  std::optional<status> disk_problem_;       // the probe write failed: no votes, no writes
  std::uint64_t disk_probe_next_ms_ = 0;
  acl_config acl_;                          // current_acl()
  std::optional<std::int64_t> acl_revision_;  // the store revision it was read at
  std::int64_t polled_revision_ = -1;  // the revision watchers were last checked at
};

}  // namespace bucky::paxos_shell
