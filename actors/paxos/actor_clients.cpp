#include "actors/paxos/paxos_actor.hpp"

#include <fmt/format.h>

namespace bucky::paxos_shell {

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

void paxos_actor::read_linearizable(const kv_client_request& request, reply_fn done) {
  auto id = ++last_read_id_;
  replica_output out;
  if (!core_->on_read(id, out)) {
    return done(refused({status_code::unavailable, fmt::format("leader {} is busy ({} reads waiting)",
                                                               config_.node_id, core_->reads_pending())},
                        config_.node_id));
  }
  auto deadline_ms = steady_ms() + config_.request_timeout_ms;
  reads_.emplace(id, pending_read{request.request, std::move(done), deadline_ms});
  read_deadlines_.add(deadline_ms, id);
  take(std::move(out));
}

void paxos_actor::answer_read(std::uint64_t id) {
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

void paxos_actor::fail_read(std::uint64_t id, const status& why) {
  auto read = reads_.find(id);
  if (read == reads_.end()) return;
  read->second.done(refused(why, config_.node_id));
  reads_.erase(read);
}


// Every client request ends in exactly one call of `done`.
void paxos_actor::serve(kv_client_request& request, reply_fn done) {
  if (auto valid = validate(request.request); !valid.is_ok()) return done(refused(valid, config_.node_id));
  const bool reads_only = read_only(request.request);
  if (request.serializable && reads_only && !is_keepalive(request.request)) {
    auto answer = kv_->read(request.request);
    if (!answer) return done(refused(answer.error(), config_.node_id));
    return done(kv_client_response{true, std::move(*answer), 0, {}, config_.node_id});
  }
  if (disk_unwritable()) return done(refused_for_disk());
  if (core_->role() != replica_role::leader) return forward(std::move(request), std::move(done));
  if (reads_only) return read_linearizable(request, std::move(done));
  propose(request, std::move(done));
}

// A batch a follower forwarded: each request served as if it came alone; one answer.
caf::result<kv_forward_batch_response> paxos_actor::serve_batch(kv_forward_batch& batch) {
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

void paxos_actor::propose(const kv_client_request& request, reply_fn done) {
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
  auto deadline_ms = steady_ms() + config_.request_timeout_ms;
  waiting_.emplace(key, waiting_write{std::move(done), deadline_ms});
  write_deadlines_.add(deadline_ms, key);
  take(std::move(out));
}

// Requests for the leader gather until the forward flush, queued behind the
// mailbox like the Paxos flush: one transport message per batch.
void paxos_actor::forward(kv_client_request request, reply_fn done) {
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

void paxos_actor::flush_forwards() {
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

void paxos_actor::expire_due() {
  auto now_ms = steady_ms();
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
    auto read = reads_.find(id);
    if (read == reads_.end() || read->second.deadline_ms != deadline_ms) return;
    fail_read(id, {status_code::timeout, "the leader could not confirm its leadership in time; retry"});
  });
}

void paxos_actor::on_exit() {
  status stopped(status_code::unavailable,
                 fmt::format("the zone-state replica on {} stopped (it restarts); retry, here or at another node; a "
                             "write's outcome is unknown",
                             config_.node_id));
  for (auto& [key, waiting] : waiting_) waiting.done(refused(stopped, config_.node_id));
  for (auto& waiting : forwards_) waiting.done(refused(stopped, config_.node_id));
  for (auto& [id, read] : reads_) read.done(refused(stopped, config_.node_id));
  for (auto& [id, watching] : watchers_) watching.promise.deliver(watch_refused(stopped));
  waiting_.clear();
  forwards_.clear();
  reads_.clear();
  watchers_.clear();
  // The batch lives on this thread and must end here: kept on a requested stop,
  // dropped after a crash (it may hold half a slot; the log applies it again).
  if (kv_) {
    bool asked_to_stop = !fail_state() || fail_state() == caf::exit_reason::user_shutdown ||
                         fail_state() == caf::exit_reason::normal;
    if (!asked_to_stop || !kv_->commit_batch().is_ok()) kv_->abort_batch();
  }
  component_actor::on_exit();
}

}  // namespace bucky::paxos_shell
