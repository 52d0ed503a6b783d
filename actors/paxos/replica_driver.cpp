#include "actors/paxos/replica_driver.hpp"

#include <fmt/format.h>

#include "messages/codec.hpp"
#include "messages/common/check.hpp"

namespace bucky {

kv_client_response refused(const status& why, const std::string& node) {
  return {false, {}, static_cast<std::uint8_t>(why.code()), why.message(), node};
}

// A request naming a missing lease applies nothing and says so.
kv_client_response answered(kv_response response, const std::string& node) {
  if (!response.error.empty()) return refused({status_code::not_found, response.error}, node);
  return {true, std::move(response), 0, {}, node};
}

bool is_keepalive(const kv_request& request) {
  return request.success.size() == 1 && request.success[0].kind == kv_op_kind::lease_keepalive;
}

replica_driver::replica_driver(driver_config config, replica_core core, kv_store& store, acceptor_log& log,
                               driver_port& port, std::uint64_t now_ms)
    : config_(std::move(config)), core_(std::move(core)), store_(store), log_(log), port_(port),
      batch_committed_ms_(now_ms) {
  BUCKY_CHECK(config_.replicas.size() == core_.replica_count());
}

// --- group commit -------------------------------------------------------------

// Outputs gather until the flush; accepts that may leave before it go now.
void replica_driver::take(replica_output out) {
  merge_output(pending_, std::move(out));
  for (auto& early : sends_before_flush(pending_)) port_.send(early.to, early.message);
  if (!flush_asked_) {
    flush_asked_ = true;
    port_.flush_needed();
  }
}

// carry_out's side here: the acceptor log, the zone state's batch, the port and
// the waiting clients.
class replica_driver::effects final : public replica_effects {
 public:
  effects(replica_driver& self, std::uint64_t now_ms) : self_(self), now_ms_(now_ms) {}

  status persist(const std::vector<acceptor_output>& steps) override { return self_.log_.persist_all(steps); }
  void send(outgoing_message& message) override { self_.port_.send(message.to, message.message); }
  // A chosen slot is durable on a quorum of acceptors (ours included, persisted
  // above) and its outcome is a function of the log, so a crash before the batch
  // commits applies it again with the same answer.
  void apply(const chosen_value& chosen) override {
    if (!applied_any_) self_.note_role(now_ms_);  // a new leader starts its lease clocks before answering
    applied_any_ = true;
    if (chosen.slot < self_.store_.applied_below()) return;  // a snapshot got there first
    auto applied = self_.store_.apply_to_batch(chosen.slot, chosen.value);
    if (!applied) {
      throw std::runtime_error("applying slot " + std::to_string(chosen.slot) + ": " + applied.error().to_string());
    }
    self_.port_.applied(chosen);
    for (auto& outcome : *applied) self_.answer(outcome, now_ms_);
  }
  slot_id durable_applied_below() override { return self_.store_.durable_applied_below(); }
  void make_applied_durable() override { self_.commit_batch(now_ms_); }
  void read_ready(std::uint64_t id) override { self_.answer_read(id, now_ms_); }
  void read_dropped(std::uint64_t id) override {
    self_.fail_read(id, {status_code::unavailable, "leadership changed during the read; retry"});
  }
  void snapshot_to(std::uint32_t replica) override { self_.start_snapshot(replica, now_ms_); }
  void rejoined() override {
    if (auto ended = self_.port_.end_rejoin(); !ended.is_ok()) {
      // The next start rejoins again, which is safe; this one stops.
      throw std::runtime_error("ending the rejoin: " + ended.to_string());
    }
    const auto& acceptor = self_.core_.acceptor();
    self_.port_.info(fmt::format("rejoined: acceptor state rebuilt from the others (promised ballot ({},{}), "
                                 "forgotten below slot {}, {} accepted entries); voting again",
                                 acceptor.promised().round, acceptor.promised().replica, acceptor.compacted_below(),
                                 acceptor.accepted().size()));
  }
  bool applied_any() const { return applied_any_; }

 private:
  replica_driver& self_;
  std::uint64_t now_ms_;
  bool applied_any_ = false;
};

status replica_driver::flush(std::uint64_t now_ms) {
  flush_asked_ = false;
  replica_output out = std::move(pending_);
  pending_ = {};
  effects carried(*this, now_ms);
  if (auto done = carry_out(out, carried); !done.is_ok()) return done;
  note_role(now_ms);
  if (carried.applied_any()) port_.state_changed();
  if (store_.batch_slots() >= config_.batch_slots_max || store_.batch_bytes() >= config_.batch_bytes_max) {
    commit_batch(now_ms);
  }
  return {};
}

// The state machine's batch becomes durable (synced); then the next one starts.
void replica_driver::commit_batch(std::uint64_t now_ms) {
  if (store_.batch_slots() == 0) return;
  if (auto committed = store_.commit_batch(); !committed.is_ok()) {
    throw std::runtime_error("committing the zone state: " + committed.to_string());
  }
  batch_committed_ms_ = now_ms;
}

void replica_driver::on_message(std::uint32_t from, const paxos_message& message, std::uint64_t now_ms) {
  take(core_.on_message(from, message, now_ms));
}

void replica_driver::on_tick(std::uint64_t now_ms) {
  expire_due(now_ms);
  take(core_.on_tick(now_ms));
  if (now_ms >= batch_committed_ms_ + config_.batch_interval_ms) commit_batch(now_ms);
  std::vector<std::uint32_t> peers;
  for (auto& [to, sender] : snapshots_out_) peers.push_back(to);
  for (auto to : peers) carry_out_snapshot(to, snapshots_out_.at(to).on_tick(now_ms), now_ms);
  expire_leases(now_ms);
}

// --- roles and leases -----------------------------------------------------------

void replica_driver::note_role(std::uint64_t now_ms) {
  auto role = core_.role();
  // Boot step 4 ends when the zone state is reachable: a leader is known (DESIGN §4).
  if (!ready_said_ && (role == replica_role::leader || core_.leader_hint())) {
    ready_said_ = true;
    auto leader = role == replica_role::leader ? config_.node_id : config_.replicas[*core_.leader_hint()];
    port_.info(fmt::format("boot: ready: the zone state answers (leader {})", leader));
  }
  if (role == last_role_) return;
  if (role == replica_role::leader) {
    auto leases = store_.leases();
    if (!leases) throw std::runtime_error("reading leases: " + leases.error().to_string());
    lease_timers_.start(*leases, now_ms);
    port_.info(fmt::format("leader of the zone state in ballot ({},{}); {} leases restarted with their full TTL",
                           core_.current_ballot().round, core_.current_ballot().replica, leases->size()));
  } else if (last_role_ == replica_role::leader) {
    lease_timers_.stop();
    port_.info(fmt::format("no longer leader (ballot ({},{}))", core_.current_ballot().round,
                           core_.current_ballot().replica));
  }
  last_role_ = role;
}

// Expiry is the leader's decision, committed through the log as a revoke.
void replica_driver::expire_leases(std::uint64_t now_ms) {
  if (core_.role() != replica_role::leader) return;
  for (auto id : lease_timers_.due(now_ms)) {
    kv_op revoke;
    revoke.kind = kv_op_kind::lease_revoke;
    revoke.lease = id;
    replica_output out;
    if (!core_.on_client_command({kv_store::internal_client_id, ++internal_sequence_,
                                  encode(kv_request{{}, {revoke}, {}})},
                                 out)) {
      break;  // queue full: next tick
    }
    port_.info(fmt::format("lease {} expired: revoking it through the log", id));
    take(std::move(out));
  }
}

bool replica_driver::step_down(std::uint64_t now_ms) {
  replica_output out;
  if (!core_.abdicate(now_ms, out)) return false;
  take(std::move(out));
  return true;
}

// --- clients --------------------------------------------------------------------

void replica_driver::answer(command_outcome& outcome, std::uint64_t now_ms) {
  if (outcome.response && outcome.response->error.empty() && last_role_ == replica_role::leader) {
    for (const auto& result : outcome.response->results) {
      if (result.kind == kv_op_kind::lease_grant) lease_timers_.granted({result.lease, result.ttl_s}, now_ms);
      if (result.kind == kv_op_kind::lease_revoke) lease_timers_.revoked(result.lease);
    }
  }
  auto waiting = waiting_.find({outcome.client_id, outcome.sequence});
  if (waiting == waiting_.end()) return;
  auto done = std::move(waiting->second.done);
  waiting_.erase(waiting);
  if (outcome.response) done(answered(std::move(*outcome.response), config_.node_id));
  else done(refused(outcome.error, config_.node_id));
}

void replica_driver::propose(const kv_client_request& request, reply_fn done, std::uint64_t now_ms) {
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
  if (!core_.on_client_command({request.client_id, request.sequence, std::move(operation)}, out)) {
    return done(refused({status_code::unavailable, "the leader's queue is full"}, config_.node_id));
  }
  auto deadline_ms = now_ms + config_.request_timeout_ms;
  waiting_.emplace(key, waiting_write{std::move(done), deadline_ms});
  write_deadlines_.add(deadline_ms, key);
  take(std::move(out));
}

// Linearizable reads go through the read index (replica_core.hpp), not the log.
void replica_driver::read(const kv_client_request& request, reply_fn done, std::uint64_t now_ms) {
  auto id = ++last_read_id_;
  replica_output out;
  if (!core_.on_read(id, out)) {
    return done(refused({status_code::unavailable, fmt::format("leader {} is busy ({} reads waiting)",
                                                               config_.node_id, core_.reads_pending())},
                        config_.node_id));
  }
  auto deadline_ms = now_ms + config_.request_timeout_ms;
  reads_.emplace(id, pending_read{request.request, std::move(done), deadline_ms});
  read_deadlines_.add(deadline_ms, id);
  take(std::move(out));
}

void replica_driver::answer_read(std::uint64_t id, std::uint64_t now_ms) {
  auto pending = reads_.find(id);
  if (pending == reads_.end()) return;  // expired
  auto answer = store_.read(pending->second.request);
  if (answer && answer->error.empty() && is_keepalive(pending->second.request) &&
      core_.role() == replica_role::leader) {
    const auto& result = answer->results.at(0);
    lease_timers_.kept_alive(result.lease, result.ttl_s, now_ms);
  }
  auto done = std::move(pending->second.done);
  reads_.erase(pending);
  if (answer) done(answered(std::move(*answer), config_.node_id));
  else done(refused(answer.error(), config_.node_id));
}

void replica_driver::fail_read(std::uint64_t id, const status& why) {
  auto pending = reads_.find(id);
  if (pending == reads_.end()) return;
  auto done = std::move(pending->second.done);
  reads_.erase(pending);
  done(refused(why, config_.node_id));
}

void replica_driver::expire_due(std::uint64_t now_ms) {
  write_deadlines_.take_due(now_ms, [this](std::uint64_t deadline_ms, const request_key& key) {
    auto waiting = waiting_.find(key);
    if (waiting == waiting_.end() || waiting->second.deadline_ms != deadline_ms) return;  // answered, or retried
    auto done = std::move(waiting->second.done);
    waiting_.erase(waiting);
    done(refused({status_code::timeout, "not applied in time (leader change?); the outcome is unknown: retry with "
                                        "the same sequence"},
                 config_.node_id));
  });
  read_deadlines_.take_due(now_ms, [this](std::uint64_t deadline_ms, std::uint64_t id) {
    auto pending = reads_.find(id);
    if (pending == reads_.end() || pending->second.deadline_ms != deadline_ms) return;
    fail_read(id, {status_code::timeout, "the leader could not confirm its leadership in time; retry"});
  });
}

void replica_driver::fail_all(const status& why) {
  auto waiting = std::move(waiting_);
  auto reads = std::move(reads_);
  waiting_.clear();
  reads_.clear();
  for (auto& [key, write] : waiting) write.done(refused(why, config_.node_id));
  for (auto& [id, pending] : reads) pending.done(refused(why, config_.node_id));
}

void replica_driver::stop(bool keep_batch) {
  if (!keep_batch || !store_.commit_batch().is_ok()) store_.abort_batch();
}

}  // namespace bucky
