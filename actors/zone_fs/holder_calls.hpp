// Calls to one node's chunk store from a blocking thread (the FUSE threads, the
// zone_fs and repair actors): the local "chunks" actor directly, another node's
// through the transport. Shared by the chunk port and the repair actor.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/chunk_store/actor.hpp"
#include "actors/runtime/message_types.hpp"
#include "messages/chunk.hpp"
#include "messages/remote.hpp"

namespace bucky::zone_fs {

inline status status_of(const chunk_reply& reply) {
  if (reply.code == 0) return {};
  if (reply.code > static_cast<std::uint8_t>(status_code_last)) {
    return status(status_code::corruption, fmt::format("a chunk store answered status code {}", reply.code));
  }
  return status(static_cast<status_code>(reply.code), reply.message);
}

// A chunk request under way to one holder: calling it waits for its answer.
template <class Reply>
using pending_reply = std::function<result<Reply>()>;

// Sends `request` to `node_id`'s chunk store now; the result waits for the answer.
template <class Request, class Reply = typename Request::response_type>
pending_reply<Reply> ask_holder(caf::scoped_actor& self, caf::actor_system& system, const std::string& self_node,
                         const std::string& node_id, Request request, std::uint64_t timeout_ms) {
  const std::chrono::milliseconds timeout(timeout_ms);
  if (node_id == self_node) {
    auto store = system.registry().get<caf::actor>(caf::atom_from_string(chunk_store_actor));
    if (!store) return [] { return result<Reply>(status(status_code::unavailable, "this node's chunk store is not running")); };
    auto handle = self->request(store, timeout, std::move(request));
    return [handle]() mutable {
      result<Reply> out = status(status_code::unavailable, "no answer");
      handle.receive([&](Reply& reply) { out = std::move(reply); },
                     [&](caf::error& error) { out = status(status_code::unavailable, caf::to_string(error)); });
      return out;
    };
  }
  auto transport = system.registry().get<caf::actor>(caf::atom("transport"));
  if (!transport) return [] { return result<Reply>(status(status_code::unavailable, "the transport is not running")); };
  auto handle = self->request(transport, timeout + std::chrono::milliseconds(1'000),
                              make_remote_call(node_id, chunk_store_actor, request, timeout));
  return [handle, node_id]() mutable {
    result<Reply> out = status(status_code::unavailable, "no answer");
    handle.receive([&](remote_reply& reply) {
                     auto decoded = decode_remote_reply<Reply>(reply);
                     if (decoded) out = std::move(*decoded);
                     else out = decoded.error();
                   },
                   [&](caf::error& error) {
                     out = status(status_code::unavailable, fmt::format("node {}: {}", node_id, caf::to_string(error)));
                   });
    return out;
  };
}

}  // namespace bucky::zone_fs
