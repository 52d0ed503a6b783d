#include "actors/chunk_store/actor.hpp"

#include <unistd.h>

#include <chrono>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/runtime/message_types.hpp"
#include "actors/runtime/steady_now.hpp"
#include "messages/chunk.hpp"
#include "messages/remote.hpp"
#include "storage/chunk_dir.hpp"

namespace bucky {

namespace {

using scrub_atom = caf::atom_constant<caf::atom("scrub")>;
constexpr std::uint64_t scrub_tick_ms = 1'000;

chunk_reply reply_of(const status& done) {
  return {static_cast<std::uint8_t>(done.code()), done.message(), {}};
}

status refuse_unless_node(const caller& from, const char* what) {
  if (from.role == caller::kind::node) return {};
  return status(status_code::permission_denied,
                fmt::format("{} is for zone nodes; {} {} may not", what, role_name(from.role), from.name));
}

class chunk_store : public component_actor {
 public:
  chunk_store(caf::actor_config& actor_config, child_context context, chunk_store_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {}

  caf::behavior make_behavior() override {
    storage::chunk_dir_options options{config_.chunk_dir, config_.reserve_bytes, logging::get(chunk_store_actor)};
    auto opened = storage::chunk_dir::open(storage::posix_file_system(), options, steady_now_ms());
    // Let it crash: node_daemon restarts us and the reason is in the log.
    if (!opened) throw std::runtime_error("chunk store: " + opened.error().to_string());
    dir_ = std::move(*opened);
    const auto& figures = dir_->figures();
    log().info("chunk store: {} chunks, {} bytes in {} ({} leftover temporaries removed)", figures.chunks,
               figures.bytes, config_.chunk_dir, figures.temps_removed);
    delayed_send(this, std::chrono::milliseconds(scrub_tick_ms), scrub_atom::value);
    return {
        [this](const caller& from, const chunk_put_request& request) { return put(from, request); },
        [this](const chunk_put_request& request) { return put(caller{caller::kind::node, context().node_id}, request); },
        [this](const caller& from, const chunk_get_request& request) { return get(from, request); },
        [this](const chunk_get_request& request) { return get(caller{caller::kind::node, context().node_id}, request); },
        [this](const caller& from, const chunk_pull_request& request) { return pull(from, request); },
        [this](const chunk_pull_request& request) { return pull(caller{caller::kind::node, context().node_id}, request); },
        [this](const caller& from, const chunk_list_request& request) { return list(from, request); },
        [this](const chunk_list_request& request) { return list(caller{caller::kind::node, context().node_id}, request); },
        [this](const caller& from, const chunk_drop_request& request) { return drop(from, request); },
        [this](const chunk_drop_request& request) { return drop(caller{caller::kind::node, context().node_id}, request); },
        [this](scrub_atom) {
          scrub();
          delayed_send(this, std::chrono::milliseconds(scrub_tick_ms), scrub_atom::value);
        },
    };
  }

 private:
  chunk_reply put(const caller& from, const chunk_put_request& request) {
    if (status denied = refuse_unless_node(from, "storing a chunk"); !denied.is_ok()) return reply_of(denied);
    status stored = dir_->put(request.id, request.bytes, steady_now_ms());
    if (!stored.is_ok() && stored.code() != status_code::no_space) {
      log().warn("chunk store: put of {} from {} failed: {}", request.id.short_hex(), from.name, stored.to_string());
    }
    return reply_of(stored);
  }

  chunk_reply get(const caller& from, const chunk_get_request& request) {
    if (status denied = refuse_unless_node(from, "reading a chunk"); !denied.is_ok()) return reply_of(denied);
    auto bytes = dir_->get(request.id);
    if (!bytes) {
      if (bytes.error().code() == status_code::corruption) corrupt_found(request.id, bytes.error());
      return reply_of(bytes.error());
    }
    chunk_reply reply;
    reply.bytes = std::move(*bytes);
    return reply;
  }

  // Repair: fetch the chunk from `source` and store it here (the reply comes once stored).
  caf::result<chunk_reply> pull(const caller& from, const chunk_pull_request& asked) {
    if (status denied = refuse_unless_node(from, "pulling a chunk"); !denied.is_ok()) return reply_of(denied);
    if (dir_->has(asked.id)) return chunk_reply{};
    auto transport = system().registry().get<caf::actor>(caf::atom("transport"));
    if (!transport) return reply_of(status(status_code::unavailable, "the transport is not running"));
    auto promise = make_response_promise<chunk_reply>();
    const std::chrono::milliseconds timeout(config_.pull_timeout_ms);
    request(transport, timeout + std::chrono::milliseconds(1'000),
            make_remote_call(asked.source, chunk_store_actor, chunk_get_request{asked.id}, timeout))
        .then(
            [this, promise, id = asked.id, source = asked.source](remote_reply& answer) mutable {
              auto got = decode_remote_reply<chunk_reply>(answer);
              if (!got) {
                promise.deliver(reply_of(got.error()));
                return;
              }
              if (got->code != 0) {
                promise.deliver(*got);
                return;
              }
              status stored = dir_->put(id, got->bytes, steady_now_ms());
              if (stored.is_ok()) log().debug("chunk store: chunk {} copied here from {}", id.short_hex(), source);
              promise.deliver(reply_of(stored));
            },
            [promise, source = asked.source](caf::error& error) mutable {
              promise.deliver(reply_of(status(status_code::unavailable,
                                              fmt::format("pull from {}: {}", source, caf::to_string(error)))));
            });
    return promise;
  }

  chunk_list_reply list(const caller& from, const chunk_list_request& request) {
    chunk_list_reply reply;
    reply.node_id = context().node_id;
    const bool person = from.role == caller::kind::owner || from.role == caller::kind::admin;
    if (from.role != caller::kind::node && !person) return reply;  // nothing for guests and users
    reply.figures = figures();
    const std::uint32_t limit = std::min(request.limit, chunk_message_limits::list_ids_max);
    if (limit == 0) return reply;
    reply.ids = dir_->list(request.after, limit + 1);
    reply.more = reply.ids.size() > limit;
    if (reply.more) reply.ids.pop_back();
    return reply;
  }

  chunk_reply drop(const caller& from, const chunk_drop_request& request) {
    if (status denied = refuse_unless_node(from, "dropping chunks"); !denied.is_ok()) return reply_of(denied);
    if (request.ids.size() > chunk_message_limits::drop_ids_max) {
      return reply_of(status(status_code::too_large, fmt::format("{} ids in one drop (at most {})", request.ids.size(),
                                                                 chunk_message_limits::drop_ids_max)));
    }
    const std::int64_t now = steady_now_ms();
    std::uint64_t removed = 0;
    for (const chunk_id& id : request.ids) {
      if (request.collect && dir_->idle_ms(id, now) < static_cast<std::int64_t>(request.idle_ms_min)) continue;
      if (status done = dir_->remove(id); !done.is_ok()) return reply_of(done);
      ++removed;
    }
    if (request.collect) collected_ += removed;
    if (removed > 0) {
      log().info("chunk store: {} {} chunks on request of {}", request.collect ? "collected" : "dropped", removed,
                 from.name);
    }
    return reply_of(status::ok());
  }

  chunk_store_figures figures() {
    const auto& dir = dir_->figures();
    chunk_store_figures out;
    out.chunks = dir.chunks;
    out.bytes = dir.bytes;
    out.corrupt_found = dir.corrupt_found;
    out.collected = collected_;
    auto room = dir_->room_bytes();
    out.room_bytes = room ? *room : 0;
    out.disk_free_bytes = room ? *room + config_.reserve_bytes : 0;
    out.accepting = room && *room > chunk_message_limits::chunk_bytes_max;
    return out;
  }

  // Reads the next chunks in id order (wrapping around), up to a second's budget.
  void scrub() {
    if (::access(config_.chunk_dir.c_str(), F_OK) != 0) {
      log().error("chunk store: {} is gone; made again empty: repair will copy this node's share back",
                  config_.chunk_dir);
      if (status rebuilt = dir_->rebuild(steady_now_ms()); !rebuilt.is_ok()) {
        throw std::runtime_error("chunk store: cannot rebuild " + config_.chunk_dir + ": " + rebuilt.to_string());
      }
    }
    std::uint64_t budget = config_.scrub_bytes_per_s * scrub_tick_ms / 1'000;
    auto next = dir_->list(scrub_cursor_, 64);
    if (next.empty()) {
      scrub_cursor_ = chunk_id{};
      return;
    }
    for (const chunk_id& id : next) {
      scrub_cursor_ = id;
      auto bytes = dir_->get(id);
      if (!bytes && bytes.error().code() == status_code::corruption) corrupt_found(id, bytes.error());
      const std::uint64_t read = bytes ? bytes->size() : 0;
      if (read >= budget) break;
      budget -= read;
    }
  }

  void corrupt_found(const chunk_id& id, const status& why) {
    log().error("chunk store: chunk {} is corrupt on this disk and was moved aside; repair will copy it again: {}",
                id.short_hex(), why.message());
  }

  chunk_store_config config_;
  std::unique_ptr<storage::chunk_dir> dir_;
  chunk_id scrub_cursor_{};
  std::uint64_t collected_ = 0;
};

}  // namespace

caf::actor spawn_chunk_store(caf::actor_system& system, const child_context& context, chunk_store_config config) {
  return system.spawn<chunk_store, caf::detached>(context, std::move(config));
}

}  // namespace bucky
