#include "actors/paxos/paxos_actor.hpp"

#include <fmt/format.h>

namespace bucky::paxos_shell {

// Ranges, or a lease keepalive: answered through the read index, not the log.
bool read_only(const kv_request& request) {
  for (const auto* ops : {&request.success, &request.failure}) {
    for (const auto& op : *ops) {
      if (op.kind != kv_op_kind::range && op.kind != kv_op_kind::lease_keepalive) return false;
    }
  }
  return true;
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
  if (core().role() != replica_role::leader) return forward(std::move(request), std::move(done));
  if (reads_only) return driver_->read(request, std::move(done), steady_ms());
  driver_->propose(request, std::move(done), steady_ms());
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

// Requests for the leader gather until the forward flush, queued behind the
// mailbox like the Paxos flush: one transport message per batch.
void paxos_actor::forward(kv_client_request request, reply_fn done) {
  auto leader = core().leader_hint();
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
  auto leader = core().leader_hint();
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

void paxos_actor::on_exit() {
  status stopped(status_code::unavailable,
                 fmt::format("the zone-state replica on {} stopped (it restarts); retry, here or at another node; a "
                             "write's outcome is unknown",
                             config_.node_id));
  if (driver_) driver_->fail_all(stopped);
  for (auto& waiting : forwards_) waiting.done(refused(stopped, config_.node_id));
  for (auto& [id, watching] : watchers_) watching.promise.deliver(watch_refused(stopped));
  forwards_.clear();
  watchers_.clear();
  // The batch lives on this thread and must end here: kept on a requested stop,
  // dropped after a crash (it may hold half a slot; the log applies it again).
  bool asked_to_stop = !fail_state() || fail_state() == caf::exit_reason::user_shutdown ||
                       fail_state() == caf::exit_reason::normal;
  if (driver_) driver_->stop(asked_to_stop);
  else if (kv_) kv_->abort_batch();
  component_actor::on_exit();
}

}  // namespace bucky::paxos_shell
