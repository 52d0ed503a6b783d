#include "actors/paxos/actor.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <map>
#include <random>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/paxos/acceptor_store.hpp"
#include "actors/paxos/replica_core.hpp"
#include "actors/paxos/lease_timers.hpp"
#include "actors/paxos/snapshot_sender.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/state_store/kv_store.hpp"
#include "actors/transport/remote.hpp"
#include "actors/transport/wire_types.hpp"
#include "messages/common/check.hpp"

namespace bucky {

namespace {

using expire_atom = caf::atom_constant<caf::atom("expire")>;
using expire_read_atom = caf::atom_constant<caf::atom("expireread")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using forward_flush_atom = caf::atom_constant<caf::atom("fwdflush")>;
using reply_fn = std::function<void(kv_client_response)>;
using expire_watch_atom = caf::atom_constant<caf::atom("expirewtch")>;

template <class T>
void append(std::vector<T>& to, std::vector<T>& from) {
  for (auto& item : from) to.push_back(std::move(item));
}

std::uint64_t steady_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

kv_client_response refused(const status& why, const std::string& node) {
  return {false, {}, static_cast<std::uint8_t>(why.code()), why.message(), node};
}

// Ranges, or a lease keepalive: answered through the read index, not the log.
bool read_only(const kv_request& request) {
  for (const auto* ops : {&request.success, &request.failure}) {
    for (const auto& op : *ops) {
      if (op.kind != kv_op_kind::range && op.kind != kv_op_kind::lease_keepalive) return false;
    }
  }
  return true;
}

bool is_keepalive(const kv_request& request) {
  return request.success.size() == 1 && request.success[0].kind == kv_op_kind::lease_keepalive;
}

// An upper estimate of a request's encoded size, without encoding it.
std::size_t approximate_bytes(const kv_request& request) {
  std::size_t bytes = 64;
  for (const auto& c : request.compares) bytes += c.key.size() + c.value.size() + 32;
  for (const auto* ops : {&request.success, &request.failure}) {
    for (const auto& op : *ops) bytes += op.key.size() + op.range_end.size() + op.value.size() + 48;
  }
  return bytes;
}

// A request naming a missing lease applies nothing and says so.
kv_client_response answered(kv_response response, const std::string& node) {
  if (!response.error.empty()) return refused({status_code::not_found, response.error}, node);
  return {true, std::move(response), 0, {}, node};
}

class paxos_actor : public component_actor {
 public:
  paxos_actor(caf::actor_config& actor_config, child_context context, paxos_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {}

  caf::behavior make_behavior() override {
    open_state();
    schedule_tick();
    return {
        [this](tick_atom) {
          take(core_->on_tick(steady_ms()));
          tick_snapshots();
          expire_leases();
          schedule_tick();
        },
        [this](flush_atom) { flush(); },
        [this](peer_message_atom, const std::string& peer, paxos_prepare& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_promise& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_accept& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_accepted& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_commit& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_catchup_request& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_catchup_reply& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_beat_ack& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_snapshot_chunk& m) { on_snapshot_chunk(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_snapshot_ack& m) { on_snapshot_ack(peer, m); },
        [this](kv_client_request& request) -> caf::result<kv_client_response> {
          auto promise = make_response_promise<kv_client_response>();
          serve(request, [promise](kv_client_response response) mutable { promise.deliver(std::move(response)); });
          return promise;
        },
        [this](kv_forward_batch& batch) -> caf::result<kv_forward_batch_response> { return serve_batch(batch); },
        [this](forward_flush_atom) { flush_forwards(); },
        [this](expire_atom, std::uint64_t client_id, std::uint64_t sequence) { expire(client_id, sequence); },
        [this](expire_read_atom, std::uint64_t read_id) { expire_read(read_id); },
        [this](kv_watch_request& request) -> caf::result<kv_watch_response> { return serve_watch(request); },
        [this](expire_watch_atom, std::uint64_t id) { expire_watch(id); },
    };
  }

 private:
  using request_key = std::pair<std::uint64_t, std::uint64_t>;  // (client_id, sequence)

  void open_state() {
    auto self_index = std::find(config_.replicas.begin(), config_.replicas.end(), config_.node_id);
    BUCKY_CHECK_MSG(self_index != config_.replicas.end(), config_.node_id + " is not a state node");
    storage::lmdb_options options;
    options.path = config_.state_dir;
    options.map_size_bytes = config_.map_size_bytes;
    auto env = storage::lmdb_env::open(options);
    if (!env) throw std::runtime_error(env.error().message());
    env_ = std::move(*env);
    auto acceptors = acceptor_store::open(*env_);
    if (!acceptors) throw std::runtime_error(acceptors.error().message());
    acceptors_.emplace(std::move(*acceptors));
    auto acceptor = acceptors_->load();
    if (!acceptor) throw std::runtime_error(acceptor.error().message());  // corrupt: do not vote
    auto kv = kv_store::open(*env_);
    if (!kv) throw std::runtime_error(kv.error().message());
    kv_.emplace(std::move(*kv));
    replica_config replica;
    replica.self = static_cast<std::uint32_t>(self_index - config_.replicas.begin());
    replica.replicas = static_cast<std::uint32_t>(config_.replicas.size());
    // A short pipeline makes commands that arrive while slots are in flight share
    // the next slot (one fsync per replica per batch, not per command).
    replica.window_slots_max = config_.window_slots_max;
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    replica.log_retain_slots = config_.log_retain_slots;
    replica.compaction_step_slots = config_.compaction_step_slots;
    core_.emplace(replica, std::move(*acceptor), applied_below(), [engine] { return (*engine)(); }, steady_ms());
    log().info("replica {} of {} ({}); state in {}, applied below slot {}, promised ballot ({},{})", replica.self,
               replica.replicas, fmt::join(config_.replicas, ","), config_.state_dir, applied_below(),
               core_->acceptor().promised().round, core_->acceptor().promised().replica);
  }

  slot_id applied_below() const { return kv_->applied_below(); }

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
    take(core_->on_message(*index, message, steady_ms()));
  }

  // Group commit: core outputs gather until the flush message, which is queued
  // behind everything already in the mailbox. One flush = one synced transaction
  // for all acceptor writes and all chosen slots of those messages, then the sends
  // and the answers. Nothing leaves before its state is durable.
  void take(replica_output out) {
    append(pending_.persist, out.persist);
    send_accepts_early(out.sends);
    append(pending_.sends, out.sends);
    append(pending_.chosen, out.chosen);
    append(pending_.snapshot_to, out.snapshot_to);
    append(pending_.reads_ready, out.reads_ready);
    append(pending_.reads_dropped, out.reads_dropped);
    if (!flush_queued_) {
      flush_queued_ = true;
      send(this, flush_atom::value);
    }
  }

  // A leader's accept messages are proposals, not acceptor answers: they may leave
  // before our own acceptor's write is durable (followers write in parallel with
  // us), as long as the promise of this ballot is durable already. Our own vote is
  // counted only by this process, and nothing it implies (a chosen slot, an answer,
  // a commit heartbeat) leaves before the flush commits it.
  void send_accepts_early(std::vector<outgoing_message>& sends) {
    for (const auto& p : pending_.persist) {
      if (p.persist_promised) return;
    }
    auto transport = system().registry().get<caf::actor>(caf::atom("transport"));
    if (!transport) return;
    auto late = std::partition(sends.begin(), sends.end(), [](const outgoing_message& m) {
      return !std::holds_alternative<paxos_accept>(m.message);
    });
    for (auto it = late; it != sends.end(); ++it) {
      send(transport, make_remote_cast(config_.replicas[it->to], "paxos", std::get<paxos_accept>(it->message)));
    }
    sends.erase(late, sends.end());
  }

  void flush() {
    flush_queued_ = false;
    replica_output out = std::move(pending_);
    pending_ = {};
    commit(out);
    auto transport = system().registry().get<caf::actor>(caf::atom("transport"));
    for (auto& send : out.sends) {
      if (!transport) break;  // restarting: Paxos retransmits
      std::visit([&](const auto& m) { this->send(transport, make_remote_cast(config_.replicas[send.to], "paxos", m)); },
                 send.message);
    }
    note_role();
    if (!out.chosen.empty()) poll_watchers();
    for (auto to : out.snapshot_to) start_snapshot(to);
    for (auto id : out.reads_ready) answer_read(id);
    for (auto id : out.reads_dropped) {
      fail_read(id, {status_code::unavailable, "leadership changed during the read; retry"});
    }
  }

  // Clients are answered before the commit: a chosen slot is already durable on a
  // quorum of acceptors, and its outcome is a function of the log, so a crash before
  // this commit re-applies it with the same answer. Everything else (Paxos messages,
  // reads of the applied state) waits for the commit.
  void commit(const replica_output& out) {
    std::vector<command_outcome> outcomes;
    bool writes = !out.chosen.empty();
    for (const auto& p : out.persist) {
      writes = writes || p.persist_promised || p.persist_accepted || p.persist_compacted_below;
    }
    if (!writes) return;
    auto txn = env_->begin_write();
    if (!txn) throw std::runtime_error("persisting replica state: " + txn.error().to_string());
    if (auto written = acceptors_->write(*txn, out.persist); !written.is_ok()) {
      throw std::runtime_error("persisting acceptor state: " + written.to_string());
    }
    for (const auto& chosen : out.chosen) {
      if (chosen.slot < applied_below()) continue;  // a snapshot got there first
      auto applied = kv_->apply_slot(*txn, chosen.slot, chosen.value);
      if (!applied) {
        throw std::runtime_error("applying slot " + std::to_string(chosen.slot) + ": " + applied.error().to_string());
      }
      append(outcomes, *applied);
    }
    note_role();
    for (auto& outcome : outcomes) answer(outcome);
    if (auto committed = txn->commit(); !committed.is_ok()) {
      throw std::runtime_error("committing replica state: " + committed.to_string());
    }
    ++commits_;
  }

  void note_role() {
    auto role = core_->role();
    if (role == last_role_) return;
    if (role == replica_role::leader) {
      auto leases = kv_->leases();
      if (!leases) throw std::runtime_error("reading leases: " + leases.error().to_string());
      lease_timers_.start(*leases, steady_ms());
      log().info("leader of the zone state in ballot ({},{}); {} leases restarted with their full TTL",
                 core_->current_ballot().round, core_->current_ballot().replica, leases->size());
    } else if (last_role_ == replica_role::leader) {
      lease_timers_.stop();
      log().info("no longer leader (ballot ({},{}))", core_->current_ballot().round, core_->current_ballot().replica);
    }
    last_role_ = role;
  }

  void track_leases(const command_outcome& outcome) {
    if (!outcome.response || !outcome.response->error.empty() || last_role_ != replica_role::leader) return;
    for (const auto& result : outcome.response->results) {
      if (result.kind == kv_op_kind::lease_grant) lease_timers_.granted({result.lease, result.ttl_s}, steady_ms());
      if (result.kind == kv_op_kind::lease_revoke) lease_timers_.revoked(result.lease);
    }
  }

  // Expiry is the leader's decision, committed through the log as a revoke.
  void expire_leases() {
    if (core_->role() != replica_role::leader) return;
    for (auto id : lease_timers_.due(steady_ms())) {
      kv_op revoke;
      revoke.kind = kv_op_kind::lease_revoke;
      revoke.lease = id;
      replica_output out;
      if (!core_->on_client_command({kv_store::internal_client_id, ++internal_sequence_, encode(kv_request{{}, {revoke}, {}})},
                                    out)) {
        break;  // queue full: next tick
      }
      log().info("lease {} expired: revoking it through the log", id);
      take(std::move(out));
    }
  }

  void answer(command_outcome& outcome) {
    track_leases(outcome);
    auto waiting = waiting_.find({outcome.client_id, outcome.sequence});
    if (waiting == waiting_.end()) return;
    auto done = std::move(waiting->second);
    waiting_.erase(waiting);
    if (outcome.response) done(answered(std::move(*outcome.response), config_.node_id));
    else done(refused(outcome.error, config_.node_id));
  }

  // --- linearizable reads (read index, see replica_core.hpp) ---

  void read_linearizable(const kv_client_request& request, reply_fn done) {
    auto id = ++last_read_id_;
    replica_output out;
    if (!core_->on_read(id, out)) {
      return done(refused({status_code::unavailable, fmt::format("leader {} is busy ({} reads waiting)",
                                                                 config_.node_id, core_->reads_pending())},
                          config_.node_id));
    }
    reads_.emplace(id, pending_read{request.request, std::move(done)});
    delayed_send(this, std::chrono::milliseconds(config_.request_timeout_ms), expire_read_atom::value, id);
    take(std::move(out));
  }

  void answer_read(std::uint64_t id) {
    auto read = reads_.find(id);
    if (read == reads_.end()) return;  // expired
    auto answer = kv_->read(read->second.request);
    if (answer && answer->error.empty() && is_keepalive(read->second.request) &&
        core_->role() == replica_role::leader) {
      const auto& result = answer->results.at(0);
      lease_timers_.kept_alive(result.lease, result.ttl_s, steady_ms());
    }
    if (answer) read->second.done(answered(std::move(*answer), config_.node_id));
    else read->second.done(refused(answer.error(), config_.node_id));
    reads_.erase(read);
  }

  void fail_read(std::uint64_t id, const status& why) {
    auto read = reads_.find(id);
    if (read == reads_.end()) return;
    read->second.done(refused(why, config_.node_id));
    reads_.erase(read);
  }

  void expire_read(std::uint64_t id) {
    fail_read(id, {status_code::timeout, "the leader could not confirm its leadership in time; retry"});
  }

  // --- snapshots for replicas behind the compacted log ---

  void start_snapshot(std::uint32_t to) {
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

  void on_snapshot_ack(const std::string& peer, const paxos_snapshot_ack& ack) {
    auto index = replica_index(peer);
    if (!index) return;
    auto sender = snapshots_out_.find(*index);
    if (sender == snapshots_out_.end()) return;
    carry_out_snapshot(*index, sender->second.on_ack(ack, steady_ms()));
  }

  void tick_snapshots() {
    std::vector<std::uint32_t> peers;
    for (auto& [to, sender] : snapshots_out_) peers.push_back(to);
    for (auto to : peers) carry_out_snapshot(to, snapshots_out_.at(to).on_tick(steady_ms()));
  }

  void carry_out_snapshot(std::uint32_t to, snapshot_sender::step step) {
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

  template <class Message>
  void send_to_peer(std::uint32_t to, const Message& message) {
    auto transport = system().registry().get<caf::actor>(caf::atom("transport"));
    if (transport) send(transport, make_remote_cast(config_.replicas[to], "paxos", message));
  }

  // The receiving side: chunks are staged in order in their own tables; the last
  // one swaps the state in, in one transaction, and the core moves on from there.
  void on_snapshot_chunk(const std::string& peer, const paxos_snapshot_chunk& chunk) {
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

  bool stage(const paxos_snapshot_chunk& chunk) {
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

  // --- watches: long polls answered from this node's applied history ---

  caf::result<kv_watch_response> serve_watch(const kv_watch_request& request) {
    auto batch = kv_->watch(request);
    if (!batch) return watch_refused(batch.error());
    if (!batch->events.empty() || request.wait_ms == 0) return watch_answer(*batch);
    if (watchers_.size() >= config_.watchers_max) {
      return watch_refused({status_code::unavailable, fmt::format("{} watches wait on {} already; retry later",
                                                                  watchers_.size(), config_.node_id)});
    }
    // Nothing yet: wait for the next applied change from where this one ended.
    kv_watch_request next = request;
    next.start_revision = batch->next_revision;
    next.start_index = batch->next_index;
    auto id = ++last_watch_id_;
    auto promise = make_response_promise<kv_watch_response>();
    watchers_.emplace(id, watcher{next, promise});
    delayed_send(this, std::chrono::milliseconds(request.wait_ms), expire_watch_atom::value, id);
    return promise;
  }

  kv_watch_response watch_answer(watch_batch& batch) const {
    return {true, std::move(batch.events), batch.next_revision, batch.next_index, batch.compact_revision,
            batch.revision, 0, {}, config_.node_id};
  }

  kv_watch_response watch_refused(const status& why) const {
    kv_watch_response response;
    response.error_code = static_cast<std::uint8_t>(why.code());
    response.error_message = why.message();
    response.served_by = config_.node_id;
    return response;
  }

  void poll_watchers() {
    for (auto it = watchers_.begin(); it != watchers_.end();) {
      auto batch = kv_->watch(it->second.request);
      if (batch && batch->events.empty()) {
        it->second.request.start_revision = batch->next_revision;
        it->second.request.start_index = batch->next_index;
        ++it;
        continue;
      }
      it->second.promise.deliver(batch ? watch_answer(*batch) : watch_refused(batch.error()));
      it = watchers_.erase(it);
    }
  }

  void expire_watch(std::uint64_t id) {
    auto it = watchers_.find(id);
    if (it == watchers_.end()) return;
    auto batch = kv_->watch(it->second.request);  // empty: nothing matched in time
    it->second.promise.deliver(batch ? watch_answer(*batch) : watch_refused(batch.error()));
    watchers_.erase(it);
  }

  // Every client request ends in exactly one call of `done`.
  void serve(kv_client_request& request, reply_fn done) {
    if (auto valid = validate(request.request); !valid.is_ok()) return done(refused(valid, config_.node_id));
    const bool reads_only = read_only(request.request);
    if (request.serializable && reads_only && !is_keepalive(request.request)) {
      auto answer = kv_->read(request.request);
      if (!answer) return done(refused(answer.error(), config_.node_id));
      return done(kv_client_response{true, std::move(*answer), 0, {}, config_.node_id});
    }
    if (core_->role() != replica_role::leader) return forward(std::move(request), std::move(done));
    if (reads_only) return read_linearizable(request, std::move(done));
    propose(request, std::move(done));
  }

  // A batch a follower forwarded: each request served as if it came alone; one answer.
  caf::result<kv_forward_batch_response> serve_batch(kv_forward_batch& batch) {
    if (batch.requests.size() > kv_forward_batch::requests_max) {
      return caf::make_error(caf::sec::invalid_argument, "forward batch over its limit");
    }
    auto promise = make_response_promise<kv_forward_batch_response>();
    struct gathering {
      kv_forward_batch_response answer;
      std::size_t left = 0;
    };
    auto state = std::make_shared<gathering>();
    state->answer.responses.resize(batch.requests.size());
    state->left = batch.requests.size();
    if (state->left == 0) return state->answer;
    for (std::size_t i = 0; i < batch.requests.size(); ++i) {
      serve(batch.requests[i], [state, promise, i](kv_client_response response) mutable {
        state->answer.responses[i] = std::move(response);
        if (--state->left == 0) promise.deliver(std::move(state->answer));
      });
    }
    return promise;
  }

  void propose(const kv_client_request& request, reply_fn done) {
    request_key key{request.client_id, request.sequence};
    if (waiting_.size() >= config_.waiting_requests_max || waiting_.count(key)) {
      return done(refused({status_code::unavailable, fmt::format("leader {} is busy ({} requests waiting)",
                                                                 config_.node_id, waiting_.size())},
                          config_.node_id));
    }
    auto operation = encode(request.request);
    if (operation.size() > kv_limits::request_bytes_max) {
      return done(refused({status_code::too_large, fmt::format("the request encodes to {} bytes; at most {} fit in one "
                                                               "log slot: split it into several requests",
                                                               operation.size(), kv_limits::request_bytes_max)},
                          config_.node_id));
    }
    replica_output out;
    if (!core_->on_client_command({request.client_id, request.sequence, std::move(operation)}, out)) {
      return done(refused({status_code::unavailable, "the leader's queue is full"}, config_.node_id));
    }
    waiting_.emplace(key, std::move(done));
    delayed_send(this, std::chrono::milliseconds(config_.request_timeout_ms), expire_atom::value, key.first, key.second);
    take(std::move(out));
  }

  // Requests for the leader gather until the forward flush, queued behind the
  // mailbox like the Paxos flush: one transport message per batch.
  void forward(kv_client_request request, reply_fn done) {
    auto leader = core_->leader_hint();
    if (!leader || request.hops >= config_.forward_hops_max || config_.replicas[*leader] == config_.node_id) {
      return done(refused({status_code::unavailable, "no leader is known yet; retry in a moment"}, config_.node_id));
    }
    request.hops += 1;
    forwards_.push_back({std::move(request), std::move(done)});
    if (!forward_flush_queued_) {
      forward_flush_queued_ = true;
      send(this, forward_flush_atom::value);
    }
  }

  void flush_forwards() {
    forward_flush_queued_ = false;
    auto pending = std::move(forwards_);
    forwards_.clear();
    auto leader = core_->leader_hint();
    auto transport = system().registry().get<caf::actor>(caf::atom("transport"));
    if (!leader || !transport || config_.replicas[*leader] == config_.node_id) {
      for (auto& f : pending) {
        f.done(refused({status_code::unavailable, "the leader changed; retry in a moment"}, config_.node_id));
      }
      return;
    }
    std::size_t from = 0;
    while (from < pending.size()) {
      auto batch = std::make_shared<kv_forward_batch>();
      auto dones = std::make_shared<std::vector<reply_fn>>();
      std::size_t bytes = 0;
      for (; from < pending.size() && batch->requests.size() < kv_forward_batch::requests_max; ++from) {
        auto size = approximate_bytes(pending[from].request.request);
        if (!batch->requests.empty() && bytes + size > kv_forward_batch::bytes_max) break;
        bytes += size;
        batch->requests.push_back(std::move(pending[from].request));
        dones->push_back(std::move(pending[from].done));
      }
      send_forward_batch(transport, config_.replicas[*leader], *batch, dones);
    }
  }

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

  void expire(std::uint64_t client_id, std::uint64_t sequence) {
    auto waiting = waiting_.find({client_id, sequence});
    if (waiting == waiting_.end()) return;
    waiting->second(refused({status_code::timeout, "not applied in time (leader change?); the outcome is "
                                                   "unknown: retry with the same sequence"},
                            config_.node_id));
    waiting_.erase(waiting);
  }

  paxos_config config_;
  std::unique_ptr<storage::lmdb_env> env_;
  std::optional<acceptor_store> acceptors_;
  std::optional<kv_store> kv_;
  std::optional<replica_core> core_;
  struct pending_read {
    kv_request request;
    reply_fn done;
  };
  struct forwarded {
    kv_client_request request;
    reply_fn done;
  };
  struct incoming_snapshot {
    std::uint32_t from = 0;
    std::uint64_t snapshot_id = 0;
    std::uint64_t next_chunk = 0;
  };

  struct watcher {
    kv_watch_request request;  // its position moves on as unmatched changes pass
    caf::response_promise promise;
  };

  std::map<request_key, reply_fn> waiting_;
  std::vector<forwarded> forwards_;  // gathered until the next forward flush
  bool forward_flush_queued_ = false;
  std::map<std::uint64_t, pending_read> reads_;
  std::map<std::uint64_t, watcher> watchers_;
  std::uint64_t last_watch_id_ = 0;
  std::uint64_t last_read_id_ = 0;
  replica_output pending_;  // gathered until the next flush
  bool flush_queued_ = false;
  std::uint64_t commits_ = 0;
  std::map<std::uint32_t, snapshot_sender> snapshots_out_;
  std::uint64_t last_snapshot_id_ = 0;
  std::optional<incoming_snapshot> incoming_;
  lease_timers lease_timers_;
  std::uint64_t internal_sequence_ = 0;
  replica_role last_role_ = replica_role::follower;
};

}  // namespace

caf::actor spawn_paxos(caf::actor_system& system, const child_context& context, paxos_config config) {
  return system.spawn<paxos_actor>(context, std::move(config));
}

}  // namespace bucky
