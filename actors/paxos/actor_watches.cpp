#include "actors/paxos/paxos_actor.hpp"

#include <fmt/format.h>

namespace bucky::paxos_shell {

caf::result<kv_watch_response> paxos_actor::serve_watch(const kv_watch_request& request) {
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

kv_watch_response paxos_actor::watch_answer(watch_batch& batch) const {
  return {true, std::move(batch.events), batch.next_revision, batch.next_index, batch.compact_revision,
          batch.revision, 0, {}, config_.node_id};
}

kv_watch_response paxos_actor::watch_refused(const status& why) const {
  kv_watch_response response;
  response.error_code = static_cast<std::uint8_t>(why.code());
  response.error_message = why.message();
  response.served_by = config_.node_id;
  return response;
}

// Runs after every applied batch: only when the revision moved can a watcher have
// something new (one read instead of one scan per watcher).
void paxos_actor::poll_watchers() {
  if (watchers_.empty()) return;
  auto revision = kv_->revision();
  if (revision && *revision == polled_revision_) return;
  if (revision) polled_revision_ = *revision;
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

void paxos_actor::expire_watch(std::uint64_t id) {
  auto it = watchers_.find(id);
  if (it == watchers_.end()) return;
  auto batch = kv_->watch(it->second.request);  // empty: nothing matched in time
  it->second.promise.deliver(batch ? watch_answer(*batch) : watch_refused(batch.error()));
  watchers_.erase(it);
}

}  // namespace bucky::paxos_shell
