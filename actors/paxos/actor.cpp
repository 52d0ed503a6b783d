#include "actors/paxos/paxos_actor.hpp"

#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky::paxos_shell {

caf::behavior paxos_actor::make_behavior() {
  open_state();
  check_disk();
  schedule_tick();
  return {
      [this](tick_atom) {
        expire_due();
        if (disk_unwritable()) {
          check_disk();
          return schedule_tick();
        }
        take(core_->on_tick(steady_ms()));
        if (steady_ms() >= batch_committed_ms_ + config_.batch_interval_ms) commit_batch();
        scrub();
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
      [this](peer_message_atom, const std::string& peer, paxos_rejoin_request& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_rejoin_state& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_prevote& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_prevote_reply& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_snapshot_chunk& m) { on_snapshot_chunk(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_snapshot_ack& m) { on_snapshot_ack(peer, m); },
      [this](kv_client_request& request) -> caf::result<kv_client_response> {
        if (auto bad = check_documents(request.request); !bad.is_ok()) return refused(bad, config_.node_id);
        auto promise = make_response_promise<kv_client_response>();
        serve(request, [promise](kv_client_response response) mutable { promise.deliver(std::move(response)); });
        return promise;
      },
      [this](const caller& from, kv_client_request& request) -> caf::result<kv_client_response> {
        if (auto denied = check_caller(from, request.request); !denied.is_ok()) return refused(denied, config_.node_id);
        if (auto bad = check_documents(request.request); !bad.is_ok()) return refused(bad, config_.node_id);
        auto promise = make_response_promise<kv_client_response>();
        serve(request, [promise](kv_client_response response) mutable { promise.deliver(std::move(response)); });
        return promise;
      },
      [this](local_kv_call& call) {
        auto answer = call.answer;
        if (auto denied = check_caller(call.from, call.request.request); !denied.is_ok()) {
          return (*answer)(refused(denied, config_.node_id));
        }
        if (auto bad = check_documents(call.request.request); !bad.is_ok()) return (*answer)(refused(bad, config_.node_id));
        serve(call.request, [answer](kv_client_response response) { (*answer)(std::move(response)); });
      },
      [this](const caller& from, kv_forward_batch& batch) -> caf::result<kv_forward_batch_response> {
        // The forwarding node checked each request against its caller.
        if (from.role != caller::kind::node) {
          return caf::make_error(caf::sec::invalid_argument, "only nodes forward zone-state requests");
        }
        return serve_batch(batch);
      },
      [this](const caller& from, kv_watch_request& request) -> caf::result<kv_watch_response> {
        if (auto denied = check_caller(from, request); !denied.is_ok()) return watch_refused(denied);
        return serve_watch(request);
      },
      [this](forward_flush_atom) { flush_forwards(); },
      [this](kv_watch_request& request) -> caf::result<kv_watch_response> { return serve_watch(request); },
      [this](expire_watch_atom, std::uint64_t id) { expire_watch(id); },
      [this](zone_state_status_request&) { return status_report(); },
      [this](const caller& from, const step_down_request&) { return step_down(from); },
  };
}

// The rules as applied here; read again only when the store's revision moved.
const acl_config& paxos_actor::current_acl() {
  auto revision = kv_->revision();
  if (revision && acl_revision_ && *revision == *acl_revision_) return acl_;
  acl_ = default_acl();
  kv_request read;
  read.success.push_back(range_op(acl_key));
  if (auto answer = kv_->read(read); answer && !answer->results.empty() && !answer->results[0].kvs.empty()) {
    auto parsed = parse_acl(answer->results[0].kvs[0].value);
    if (parsed) acl_ = std::move(*parsed);
    else log().error("{} does not parse ({}); the default rules apply", acl_key, parsed.error().message());
  }
  if (revision) acl_revision_ = *revision;
  return acl_;
}

template <class Request>
status paxos_actor::check_caller(const caller& from, const Request& request) {
  auto checked = check_access(current_acl(), from, request);
  if (!checked.is_ok()) log().info("refused a request of {}: {}", from.name, checked.message());
  return checked;
}

// System documents are checked here, before the log, whoever writes them.
status paxos_actor::check_documents(const kv_request& request) {
  document_context context{config_.zone_owner, [this]() -> std::optional<zone_config> {
                             auto answer = kv_->read(read_document_request(system_keys::zone_config));
                             if (!answer) return std::nullopt;
                             auto mirrored = read_typed<zone_config_document>("", *answer);
                             if (!mirrored || !*mirrored) return std::nullopt;
                             return (*mirrored)->value.config;
                           }};
  auto checked = check_document_writes(request, context);
  if (!checked.is_ok()) log().info("refused a system document write: {}", checked.message());
  return checked;
}

zone_state_status paxos_actor::status_report() {
  zone_state_status out;
  out.node_id = config_.node_id;
  switch (core_->role()) {
    case replica_role::leader: out.role = "leader"; break;
    case replica_role::candidate: out.role = "candidate"; break;
    case replica_role::follower: out.role = "follower"; break;
  }
  if (disk_unwritable()) out.role = "disk_unwritable";
  if (auto leader = core_->leader_hint()) out.leader = config_.replicas[*leader];
  if (core_->role() == replica_role::leader) out.leader = config_.node_id;
  out.ballot_round = std::max(core_->current_ballot().round, core_->acceptor().promised().round);
  out.chosen_below = core_->chosen_below();
  out.applied_below = applied_below();
  auto revision = kv_->revision();
  if (revision) out.revision = *revision;
  return out;
}

// Group commit: core outputs gather until the flush message, which is queued
// behind everything already in the mailbox. One flush carries out all of them at
// once through carry_out (carry_out.hpp: persist, send, apply and answer,
// compact, reads): one synced append of their acceptor writes, and nothing leaves
// before the acceptor state it rests on is durable.
void paxos_actor::take(replica_output out) {
  merge_output(pending_, std::move(out));
  send_accepts_early();
  if (!flush_queued_) {
    flush_queued_ = true;
    send(this, flush_atom::value);
  }
}

// Accepts that may leave before the flush (sends_before_flush) go now.
void paxos_actor::send_accepts_early() {
  auto transport = system().registry().get<caf::actor>(caf::atom("transport"));
  if (!transport) return;  // restarting: they stay for the flush, which drops them too
  for (auto& early : sends_before_flush(pending_)) {
    send(transport, make_remote_cast(config_.replicas[early.to], "paxos", std::get<paxos_accept>(early.message)));
  }
}

// The paxos actor's side of carry_out: the acceptor log, the zone state's LMDB
// batch, the transport and the waiting clients.
class paxos_actor::effects final : public replica_effects {
 public:
  explicit effects(paxos_actor& self)
      : self_(self), transport_(self.system().registry().get<caf::actor>(caf::atom("transport"))) {}

  status persist(const std::vector<acceptor_output>& steps) override {
    return self_.acceptor_log_->persist_all(steps);
  }
  void send(outgoing_message& message) override {
    if (!transport_) return;  // restarting: Paxos retransmits
    std::visit([&](const auto& m) {
      self_.send(transport_, make_remote_cast(self_.config_.replicas[message.to], "paxos", m));
    }, message.message);
  }
  // A chosen slot is durable on a quorum of acceptors (ours included, persisted
  // above) and its outcome is a function of the log, so a crash before the batch
  // commits applies it again with the same answer.
  void apply(const chosen_value& chosen) override {
    if (!applied_any_) self_.note_role();  // a new leader starts its lease clocks before answering
    applied_any_ = true;
    if (chosen.slot < self_.applied_below()) return;  // a snapshot got there first
    auto applied = self_.kv_->apply_to_batch(chosen.slot, chosen.value);
    if (!applied) {
      throw std::runtime_error("applying slot " + std::to_string(chosen.slot) + ": " + applied.error().to_string());
    }
    for (auto& outcome : *applied) self_.answer(outcome);
  }
  slot_id durable_applied_below() override { return self_.kv_->durable_applied_below(); }
  void make_applied_durable() override { self_.commit_batch(); }
  void read_ready(std::uint64_t id) override { self_.answer_read(id); }
  void read_dropped(std::uint64_t id) override {
    self_.fail_read(id, {status_code::unavailable, "leadership changed during the read; retry"});
  }
  void snapshot_to(std::uint32_t replica) override { self_.start_snapshot(replica); }
  void rejoined() override {
    if (auto ended = end_rejoin(storage::posix_file_system(), self_.files()); !ended.is_ok()) {
      throw std::runtime_error("ending the rejoin: " + ended.message());  // the next start rejoins again: safe
    }
    auto& acceptor = self_.core_->acceptor();
    self_.log().info("rejoined: acceptor state rebuilt from the others (promised ballot ({},{}), forgotten below "
                     "slot {}, {} accepted entries); voting again",
                     acceptor.promised().round, acceptor.promised().replica, acceptor.compacted_below(),
                     acceptor.accepted().size());
  }
  bool applied_any() const { return applied_any_; }

 private:
  paxos_actor& self_;
  caf::actor transport_;
  bool applied_any_ = false;
};

void paxos_actor::flush() {
  flush_queued_ = false;
  replica_output out = std::move(pending_);
  pending_ = {};
  effects carried(*this);
  if (auto done = carry_out(out, carried); !done.is_ok()) {
    throw std::runtime_error("persisting acceptor state: " + done.to_string());
  }
  note_role();
  if (carried.applied_any()) poll_watchers();
  if (kv_->batch_slots() >= config_.batch_slots_max || kv_->batch_bytes() >= config_.batch_bytes_max) commit_batch();
}

// The state machine's batch becomes durable (synced); then the next one starts.
void paxos_actor::commit_batch() {
  if (kv_->batch_slots() == 0) return;
  if (auto committed = kv_->commit_batch(); !committed.is_ok()) {
    throw std::runtime_error("committing the zone state: " + committed.to_string());
  }
  batch_committed_ms_ = steady_ms();
}

// The operator's step-down (owner or admin keys only).
admin_action_reply paxos_actor::step_down(const caller& from) {
  admin_action_reply reply{config_.node_id, false, {}};
  if (!is_owner_or_admin(from)) {
    reply.message = "only the owner or an admin may ask the leader to step down";
    return reply;
  }
  replica_output out;
  if (!core_ || !core_->abdicate(steady_ms(), out)) {
    auto hint = core_ ? core_->leader_hint() : std::nullopt;
    reply.message = fmt::format("{} does not lead the zone state (leader: {}); ask the leader", config_.node_id,
                                hint ? config_.replicas[*hint] : std::string("none known"));
    return reply;
  }
  log().info("stepping down as leader of the zone state in ballot ({},{}), as {} {} asked",
             core_->current_ballot().round, core_->current_ballot().replica,
             role_name(from.role), from.name);
  take(std::move(out));
  reply.done = true;
  reply.message = fmt::format("{} stepped down; another replica takes over within about a second", config_.node_id);
  return reply;
}

void paxos_actor::note_role() {
  auto role = core_->role();
  // Boot step 4 ends when the zone state is reachable: a leader is known (DESIGN §4).
  if (!ready_logged_ && (role == replica_role::leader || core_->leader_hint())) {
    ready_logged_ = true;
    auto leader = role == replica_role::leader ? config_.node_id : config_.replicas[*core_->leader_hint()];
    log().info("boot: ready: the zone state answers (leader {})", leader);
  }
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

void paxos_actor::track_leases(const command_outcome& outcome) {
  if (!outcome.response || !outcome.response->error.empty() || last_role_ != replica_role::leader) return;
  for (const auto& result : outcome.response->results) {
    if (result.kind == kv_op_kind::lease_grant) lease_timers_.granted({result.lease, result.ttl_s}, steady_ms());
    if (result.kind == kv_op_kind::lease_revoke) lease_timers_.revoked(result.lease);
  }
}

// Expiry is the leader's decision, committed through the log as a revoke.
void paxos_actor::expire_leases() {
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

void paxos_actor::answer(command_outcome& outcome) {
  track_leases(outcome);
  auto waiting = waiting_.find({outcome.client_id, outcome.sequence});
  if (waiting == waiting_.end()) return;
  auto done = std::move(waiting->second.done);
  waiting_.erase(waiting);
  if (outcome.response) done(answered(std::move(*outcome.response), config_.node_id));
  else done(refused(outcome.error, config_.node_id));
}

}  // namespace bucky::paxos_shell

namespace bucky {

caf::actor spawn_paxos(caf::actor_system& system, const child_context& context, paxos_config config) {
  // Detached: the state machine's batch is an LMDB write transaction, which lives
  // on the thread that began it.
  return system.spawn<paxos_shell::paxos_actor, caf::detached>(context, std::move(config));
}

}  // namespace bucky
