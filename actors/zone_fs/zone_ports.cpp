#include "actors/zone_fs/zone_ports.hpp"
#include "actors/zone_fs/holder_calls.hpp"

#include <chrono>
#include <functional>
#include <random>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/chunk_store/actor.hpp"
#include "actors/runtime/message_types.hpp"
#include "actors/state_client/actor.hpp"
#include "messages/chunk.hpp"
#include "messages/remote.hpp"
#include "storage/chunk_hash.hpp"

namespace bucky::zone_fs {

namespace {

std::int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

zone_kv_port::zone_kv_port(caf::actor_system& system, std::uint64_t timeout_ms)
    : system_(system), timeout_ms_(timeout_ms) {
  std::random_device device;
  client_id_ = (static_cast<std::uint64_t>(device()) << 32) | device() | 1;
}

result<kv_response> zone_kv_port::call(const kv_request& request) { return ask(request, false); }

result<kv_response> zone_kv_port::call_nearby(const kv_request& request) {
  auto nearby = ask(request, true);
  if (nearby && nearby->revision >= seen_revision_.load()) return nearby;
  return ask(request, false);  // behind what this node already saw (or failed): the leader
}

result<kv_response> zone_kv_port::ask(const kv_request& request, bool serializable) {
  auto zone_state = local_zone_state(system_);
  if (!zone_state) return status(status_code::unavailable, "the zone state does not run on this node yet");
  caf::scoped_actor self{system_};
  result<kv_response> out = status(status_code::unavailable, "no answer from the zone state");
  self->request(zone_state, std::chrono::milliseconds(timeout_ms_),
                kv_client_request{client_id_, ++sequence_, request, serializable, 0})
      .receive(
          [&](kv_client_response& answer) {
            if (!answer.ok) out = status(static_cast<status_code>(answer.error_code), answer.error_message);
            else if (!answer.response.error.empty()) out = status(status_code::invalid_argument, answer.response.error);
            else {
              std::int64_t seen = seen_revision_.load();
              while (!serializable && answer.response.revision > seen &&
                     !seen_revision_.compare_exchange_weak(seen, answer.response.revision)) {
              }
              out = std::move(answer.response);
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

result<std::vector<storage_node>> zone_chunk_port::holders() {
  {
    std::lock_guard lock(mutex_);
    if (view_read_ms_ >= 0 && steady_ms() - view_read_ms_ < static_cast<std::int64_t>(options_.view_refresh_ms)) {
      return view_;
    }
  }
  auto answer = zone_state_.call(storage_view_request());
  if (!answer) return answer.error();
  auto view = read_storage_view(*answer);
  if (!view) return view.error();
  std::lock_guard lock(mutex_);
  view_ = *view;
  view_read_ms_ = steady_ms();
  return view_;
}

bool zone_chunk_port::paused(const std::string& node_id) {
  std::lock_guard lock(mutex_);
  auto found = paused_until_ms_.find(node_id);
  return found != paused_until_ms_.end() && found->second > steady_ms();
}

// Puts the chunk on the first R up holders of its ranking at once; a holder that
// refuses (full, down) is replaced by the next in the ranking.
result<chunk_ref> zone_chunk_port::store_now(caf::scoped_actor& self, const std::string& bytes) {
  if (bytes.size() > fs_limits::chunk_bytes) return status(status_code::too_large, "a chunk over 1 MiB");
  const chunk_ref ref{chunk_hash(bytes), static_cast<std::uint32_t>(bytes.size())};
  auto view = holders();
  if (!view) return view.error();
  std::vector<storage_node> candidates = *view;
  for (auto& node : candidates) node.has_room = !paused(node.node_id);
  std::vector<std::string> ids;
  for (const auto& node : candidates) ids.push_back(node.node_id);
  // R, or every node of a zone with fewer (a one-node zone keeps one copy).
  const std::uint32_t copies = std::min<std::uint32_t>(options_.copies, static_cast<std::uint32_t>(candidates.size()));
  if (copies == 0) return status(status_code::unavailable, "the zone state lists no nodes to store chunks on");
  std::vector<std::string> refusals;
  std::uint32_t stored = 0;
  bool full_seen = false;
  std::vector<std::string> ranked = rank_nodes(ref.id, ids);
  std::size_t next = 0;
  while (stored < copies) {
    std::vector<std::pair<std::string, pending_reply<chunk_reply>>> asked;
    for (; next < ranked.size() && stored + asked.size() < copies; ++next) {
      const auto& node = *std::find_if(candidates.begin(), candidates.end(), [&](auto& n) { return n.node_id == ranked[next]; });
      if (!node.up || !node.has_room) continue;
      asked.emplace_back(node.node_id, ask_holder(self, system_, options_.node_id, node.node_id,
                                                  chunk_put_request{ref.id, bytes}, options_.store_timeout_ms));
    }
    if (asked.empty()) break;
    for (auto& [node_id, collect] : asked) {
      auto reply = collect();
      status done = reply ? status_of(*reply) : reply.error();
      if (done.is_ok()) {
        ++stored;
        continue;
      }
      full_seen = full_seen || done.code() == status_code::no_space;
      refusals.push_back(fmt::format("{}: {}", node_id, done.to_string()));
      std::lock_guard lock(mutex_);
      paused_until_ms_[node_id] = steady_ms() + static_cast<std::int64_t>(done.code() == status_code::no_space
                                                                              ? options_.full_holder_pause_ms
                                                                              : options_.full_holder_pause_ms / 10);
    }
  }
  if (stored >= copies) return ref;
  return status(full_seen ? status_code::no_space : status_code::unavailable,
                fmt::format("chunk {} stored on {} of {} holders ({} nodes in the zone){}{}", ref.id.short_hex(), stored,
                            copies, candidates.size(), refusals.empty() ? "" : "; ",
                            fmt::join(refusals, "; ")));
}

result<zone_room> zone_chunk_port::room() {
  {
    std::lock_guard lock(mutex_);
    if (room_ && steady_ms() - room_read_ms_ < static_cast<std::int64_t>(options_.view_refresh_ms)) return *room_;
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
  room_read_ms_ = steady_ms();
  return out;
}

result<std::string> zone_chunk_port::load(const chunk_id& id) {
  auto view = holders();
  if (!view) return view.error();
  std::vector<std::string> ids;
  for (const auto& node : *view) {
    if (node.up) ids.push_back(node.node_id);
  }
  std::vector<std::string> tried;
  bool corrupt = false;
  caf::scoped_actor self{system_};
  for (const auto& node_id : rank_nodes(id, ids)) {
    auto reply = ask_holder(self, system_, options_.node_id, node_id, chunk_get_request{id}, options_.load_timeout_ms)();
    status done = reply ? status_of(*reply) : reply.error();
    if (done.is_ok() && chunk_hash(reply->bytes) == id) return std::move(reply->bytes);
    if (done.is_ok()) done = status(status_code::corruption, "bytes that do not match the chunk's name");
    corrupt = corrupt || done.code() == status_code::corruption;
    tried.push_back(fmt::format("{}: {}", node_id, done.to_string()));
  }
  return status(corrupt ? status_code::corruption : status_code::not_found,
                fmt::format("chunk {} from none of the up nodes ({})", id.short_hex(), fmt::join(tried, "; ")));
}

}  // namespace bucky::zone_fs
