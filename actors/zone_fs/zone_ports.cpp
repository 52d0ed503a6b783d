#include "actors/zone_fs/zone_ports.hpp"
#include "actors/zone_fs/holder_calls.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <thread>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/chunk_store/actor.hpp"
#include "actors/runtime/message_types.hpp"
#include "actors/runtime/node_stopping.hpp"
#include "actors/runtime/steady_now.hpp"
#include "actors/state_client/actor.hpp"
#include "messages/chunk.hpp"
#include "messages/remote.hpp"
#include "storage/chunk_hash.hpp"

namespace bucky::zone_fs {

zone_kv_port::zone_kv_port(caf::actor_system& system, std::uint64_t timeout_ms)
    : system_(system), timeout_ms_(timeout_ms) {
  BUCKY_CHECK(timeout_ms_ > 0);
}

result<kv_response> zone_kv_port::call(const kv_request& request) { return ask(request, false); }

result<kv_response> zone_kv_port::call_nearby(const kv_request& request) {
  auto nearby = ask(request, true);
  if (nearby && nearby->revision >= seen_revision_.load()) return nearby;
  return ask(request, false);  // behind what this node already saw (or failed): the leader
}

zone_kv_port::client zone_kv_port::take_client() {
  {
    std::lock_guard lock(clients_mutex_);
    if (!idle_clients_.empty()) {
      client out = idle_clients_.back();
      idle_clients_.pop_back();
      return out;
    }
  }
  std::random_device device;
  // Never 0: that id is the zone state's own (it skips the exactly-once table).
  return client{(static_cast<std::uint64_t>(device()) << 32) | device() | 1, 0};
}

void zone_kv_port::give_back(client done) {
  std::lock_guard lock(clients_mutex_);
  if (idle_clients_.size() < idle_clients_max) idle_clients_.push_back(done);
}

result<kv_response> zone_kv_port::ask(const kv_request& request, bool serializable) {
  client caller = take_client();
  ++caller.sequence;
  const std::int64_t deadline_ms = steady_now_ms() + static_cast<std::int64_t>(budget_ms);
  std::uint64_t backoff_ms = backoff_first_ms;
  for (std::uint32_t attempt = 1;; ++attempt) {
    const std::int64_t left_ms = deadline_ms - steady_now_ms();
    auto out = ask_once(request, serializable, caller,
                        std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::max<std::int64_t>(left_ms, 1)), 1, timeout_ms_));
    const bool transient = !out && !node_stopping(system_) &&
                           (out.error().code() == status_code::unavailable || out.error().code() == status_code::timeout);
    if (!transient || steady_now_ms() + static_cast<std::int64_t>(backoff_ms) >= deadline_ms) {
      give_back(caller);
      if (!out && transient && attempt > 1) {
        return status(out.error().code(), fmt::format("{} (asked {} times in {} ms)", out.error().message(), attempt,
                                                      budget_ms));
      }
      return out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, backoff_max_ms);
  }
}

result<kv_response> zone_kv_port::ask_once(const kv_request& request, bool serializable, const client& caller,
                                           std::uint64_t timeout_ms) {
  auto zone_state = local_zone_state(system_);
  if (!zone_state) return status(status_code::unavailable, "the zone state does not run on this node yet");
  caf::scoped_actor self{system_};
  result<kv_response> out = status(status_code::unavailable, "no answer from the zone state");
  self->request(zone_state, std::chrono::milliseconds(timeout_ms),
                kv_client_request{caller.id, caller.sequence, request, serializable, 0})
      .receive(
          [&](kv_client_response& answer) {
            out = response_of(std::move(answer));
            if (!out || serializable) return;
            std::int64_t seen = seen_revision_.load();
            while (out->revision > seen && !seen_revision_.compare_exchange_weak(seen, out->revision)) {
            }
          },
          [&](caf::error& error) { out = status(status_code::unavailable, caf::to_string(error)); });
  return out;
}

zone_chunk_port::zone_chunk_port(caf::actor_system& system, kv_port& zone_state, chunk_port_options options)
    : system_(system), zone_state_(zone_state), options_(std::move(options)) {
  BUCKY_CHECK(options_.workers > 0 && options_.queued_max > 0);
  for (std::uint32_t i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work(); });
}

zone_chunk_port::~zone_chunk_port() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& worker : workers_) worker.join();
}

chunk_port::ticket zone_chunk_port::store(std::string bytes) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.size() < options_.queued_max || stopping_; });
  const ticket id = ++last_ticket_;
  job next{id, std::move(bytes), {}};
  pending_.emplace(id, next.done.get_future());
  if (stopping_) {
    next.done.set_value(status(status_code::unavailable, "the node is stopping"));
    return id;
  }
  queue_.push_back(std::move(next));
  changed_.notify_all();
  return id;
}

result<chunk_ref> zone_chunk_port::wait(ticket pending) {
  std::future<result<chunk_ref>> done;
  {
    std::lock_guard lock(mutex_);
    auto found = pending_.find(pending);
    BUCKY_CHECK_MSG(found != pending_.end(), fmt::format("ticket {} waited for twice or never issued", pending));
    done = std::move(found->second);
    pending_.erase(found);
  }
  return done.get();
}

void zone_chunk_port::work() {
  caf::scoped_actor self{system_};  // one per worker: building one per chunk showed in perf
  for (;;) {
    job next;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    changed_.notify_all();
    next.done.set_value(store_now(self, next.bytes));
  }
}

void zone_chunk_port::forget_view() {
  std::lock_guard lock(mutex_);
  view_read_ms_ = -1;
}

// The view is cached for view_refresh_ms, except while it has fewer than R up
// nodes (a zone growing from one node, a node restarting): then every store reads
// it again, so a chunk acknowledged after the zone has R nodes has R copies.
result<std::vector<storage_node>> zone_chunk_port::holders() {
  {
    std::lock_guard lock(mutex_);
    const auto up = std::count_if(view_.begin(), view_.end(), [](auto& node) { return node.up; });
    if (view_read_ms_ >= 0 && steady_now_ms() - view_read_ms_ < static_cast<std::int64_t>(options_.view_refresh_ms) &&
        static_cast<std::uint32_t>(up) >= options_.copies) {
      return view_;
    }
  }
  auto answer = zone_state_.call(storage_view_request());
  if (!answer) return answer.error();
  auto view = read_storage_view(*answer);
  if (!view) return view.error();
  std::lock_guard lock(mutex_);
  view_ = *view;
  view_read_ms_ = steady_now_ms();
  return view_;
}

// Puts the chunk on the first R up holders of its ranking at once; a holder that
// refuses (full, down, slow) is replaced by the next in the ranking. When a round
// ends short only because holders were down or slow (not full), the chunk is
// offered again after a pause, with a fresh storage view, until store_budget_ms.
result<chunk_ref> zone_chunk_port::store_now(caf::scoped_actor& self, const std::string& bytes) {
  if (bytes.size() > fs_limits::chunk_bytes) return status(status_code::too_large, "a chunk over 1 MiB");
  const chunk_ref ref{chunk_hash(bytes), static_cast<std::uint32_t>(bytes.size())};
  const std::int64_t started_ms = steady_now_ms();
  const std::int64_t deadline_ms = started_ms + static_cast<std::int64_t>(options_.store_budget_ms);
  store_progress progress;
  std::uint64_t backoff_ms = 100;
  for (std::uint32_t round = 0;; ++round) {
    auto view = holders();
    if (!view) return view.error();
    // R, or every node of a zone with fewer (a one-node zone keeps one copy).
    const std::uint32_t copies = std::min<std::uint32_t>(options_.copies, static_cast<std::uint32_t>(view->size()));
    const std::size_t up = static_cast<std::size_t>(std::count_if(view->begin(), view->end(), [](auto& n) { return n.up; }));
    if (copies > 0) store_round(self, ref, bytes, *view, copies, round > 0, progress);
    if (copies > 0 && progress.stored_on.size() >= copies) return ref;
    // Short because every refusal said full: the writer hears ENOSPC at once. Short
    // because too few nodes are up (a zone starting, a node restarting): wait a
    // little for them. Short because holders were down or slow: ask again.
    const bool only_full = progress.transient_refusals == 0 && progress.full_seen;
    const std::int64_t wait_until_ms =
        progress.transient_refusals > 0 ? deadline_ms : std::min(deadline_ms, started_ms + static_cast<std::int64_t>(options_.store_wait_for_nodes_ms));
    if (only_full || node_stopping(system_) || steady_now_ms() + static_cast<std::int64_t>(backoff_ms) >= wait_until_ms) {
      if (copies == 0) return status(status_code::unavailable, "the zone state lists no nodes to store chunks on");
      return status(only_full ? status_code::no_space : status_code::unavailable,
                    fmt::format("chunk {} stored on {} of {} holders ({} of {} nodes up, {} rounds){}{}",
                                ref.id.short_hex(), progress.stored_on.size(), copies, up, view->size(), round + 1,
                                progress.refusals.empty() ? "" : "; ", fmt::join(progress.refusals, "; ")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min<std::uint64_t>(backoff_ms * 2, 2'000);
    forget_view();  // a node may have gone down or come back: read the view again
  }
}

// One pass down the ranking: asks holders not yet storing the chunk, R at a time.
// `again`: a later round, which also asks holders paused for being down or slow
// (not those that said full).
void zone_chunk_port::store_round(caf::scoped_actor& self, const chunk_ref& ref, const std::string& bytes,
                                  const std::vector<storage_node>& view, std::uint32_t copies, bool again,
                                  store_progress& progress) {
  std::vector<std::string> ids;
  for (const auto& node : view) ids.push_back(node.node_id);
  progress.transient_refusals = 0;
  const std::vector<std::string> ranked = rank_nodes(ref.id, ids);
  std::size_t next = 0;
  while (progress.stored_on.size() < copies) {
    std::vector<std::pair<std::string, pending_reply<chunk_reply>>> asked;
    for (; next < ranked.size() && progress.stored_on.size() + asked.size() < copies; ++next) {
      const auto& node = *std::find_if(view.begin(), view.end(), [&](auto& n) { return n.node_id == ranked[next]; });
      if (!node.up || progress.stored_on.count(node.node_id) > 0 || pause_of(node.node_id, again) ) continue;
      asked.emplace_back(node.node_id, ask_holder(self, system_, options_.node_id, node.node_id,
                                                  chunk_put_request{ref.id, bytes}, options_.store_timeout_ms));
    }
    if (asked.empty()) return;
    for (auto& [node_id, collect] : asked) {
      auto reply = collect();
      status done = reply ? status_of(*reply) : reply.error();
      if (done.is_ok()) {
        progress.stored_on.insert(node_id);
        continue;
      }
      const bool full = done.code() == status_code::no_space;
      progress.full_seen = progress.full_seen || full;
      progress.transient_refusals += full ? 0 : 1;
      if (progress.refusals.size() < store_refusals_kept_max) {
        progress.refusals.push_back(fmt::format("{}: {}", node_id, done.to_string()));
      }
      std::lock_guard lock(mutex_);
      paused_[node_id] = holder_pause{steady_now_ms() + static_cast<std::int64_t>(full ? options_.full_holder_pause_ms
                                                                                  : options_.full_holder_pause_ms / 10),
                                      full};
    }
  }
}

bool zone_chunk_port::pause_of(const std::string& node_id, bool again) {
  std::lock_guard lock(mutex_);
  auto found = paused_.find(node_id);
  if (found == paused_.end() || found->second.until_ms <= steady_now_ms()) return false;
  return found->second.full || !again;
}

result<zone_room> zone_chunk_port::room() {
  {
    std::lock_guard lock(mutex_);
    if (room_ && steady_now_ms() - room_read_ms_ < static_cast<std::int64_t>(options_.view_refresh_ms)) return *room_;
  }
  auto view = holders();
  if (!view) return view.error();
  zone_room out;
  out.copies = std::max<std::uint32_t>(1, std::min<std::uint32_t>(options_.copies, static_cast<std::uint32_t>(view->size())));
  caf::scoped_actor self{system_};
  std::vector<pending_reply<chunk_list_reply>> asked;
  for (const auto& node : *view) {
    if (node.up) asked.push_back(ask_holder(self, system_, options_.node_id, node.node_id, chunk_list_request{}, options_.load_timeout_ms));
  }
  for (auto& waiting : asked) {
    auto reply = waiting();
    if (!reply) continue;
    out.stored_bytes += reply->figures.bytes;
    out.room_bytes += reply->figures.room_bytes;
    ++out.holders_answered;
  }
  std::lock_guard lock(mutex_);
  room_ = out;
  room_read_ms_ = steady_now_ms();
  return out;
}

// This node first when it is one of the chunk's R holders in `ranked`: its own
// disk is nearer than any other node's (no transport, no encryption both ways).
std::vector<std::string> zone_chunk_port::own_copy_first(std::vector<std::string> ranked) const {
  const auto holders_end = ranked.begin() + std::min<std::ptrdiff_t>(options_.copies, std::ssize(ranked));
  auto own = std::find(ranked.begin(), holders_end, options_.node_id);
  if (own != holders_end) std::rotate(ranked.begin(), own, own + 1);
  return ranked;
}

// Asks the up holders in rank order (this node first if it holds one); when none has a good copy, reads the view
// again (a node may have come up since it was read: a zone starting) and asks
// every node not asked yet, up or not.
result<std::string> zone_chunk_port::load(const chunk_id& id) {
  std::set<std::string> asked;
  std::vector<std::string> tried;
  bool corrupt = false;
  caf::scoped_actor self{system_};
  for (int pass = 0; pass < 2; ++pass) {
    if (pass > 0) forget_view();
    auto view = holders();
    if (!view) return view.error();
    std::vector<std::string> ids;
    for (const auto& node : *view) {
      // The second pass also asks nodes whose status lease lapsed: alive but slow
      // to renew, they may hold the only good copy.
      if ((node.up || pass > 0) && asked.count(node.node_id) == 0) ids.push_back(node.node_id);
    }
    for (const auto& node_id : own_copy_first(rank_nodes(id, ids))) {
      asked.insert(node_id);
      auto reply = ask_holder(self, system_, options_.node_id, node_id, chunk_get_request{id}, options_.load_timeout_ms)();
      status done = reply ? status_of(*reply) : reply.error();
      if (done.is_ok() && chunk_hash(reply->bytes) == id) return std::move(reply->bytes);
      if (done.is_ok()) done = status(status_code::corruption, "bytes that do not match the chunk's name");
      corrupt = corrupt || done.code() == status_code::corruption;
      tried.push_back(fmt::format("{}: {}", node_id, done.to_string()));
    }
  }
  return status(corrupt ? status_code::corruption : status_code::not_found,
                fmt::format("chunk {} from none of the nodes ({})", id.short_hex(), fmt::join(tried, "; ")));
}

}  // namespace bucky::zone_fs
