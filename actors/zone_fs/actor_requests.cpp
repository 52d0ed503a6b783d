#include "actors/zone_fs/actor_requests.hpp"

#include <chrono>
#include <functional>
#include <utility>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/chunk_store/actor.hpp"
#include "actors/runtime/component.hpp"
#include "actors/runtime/message_types.hpp"
#include "messages/chunk.hpp"
#include "messages/remote.hpp"

namespace bucky::zone_fs {

namespace {

using pending_figures = std::function<result<chunk_list_reply>()>;

// Asks one node's chunk store for its figures (a list of no ids); collect later.
pending_figures ask_node(caf::scoped_actor& self, caf::actor_system& system, const std::string& self_node,
                         const std::string& node_id, std::chrono::milliseconds timeout) {
  const chunk_list_request figures_only{chunk_id{}, 0};
  auto fail = [](std::string why) { return [why] { return result<chunk_list_reply>(status(status_code::unavailable, why)); }; };
  if (node_id == self_node) {
    auto store = system.registry().get<caf::actor>(caf::atom_from_string(chunk_store_actor));
    if (!store) return fail("this node's chunk store is not running");
    auto handle = self->request(store, timeout, figures_only);
    return [handle]() mutable {
      result<chunk_list_reply> out = status(status_code::unavailable, "no answer");
      handle.receive([&](chunk_list_reply& reply) { out = std::move(reply); },
                     [&](caf::error& error) { out = status(status_code::unavailable, describe_exit_reason(error)); });
      return out;
    };
  }
  auto transport = system.registry().get<caf::actor>(caf::atom("transport"));
  if (!transport) return fail("the transport is not running");
  auto handle = self->request(transport, timeout + std::chrono::milliseconds(1'000),
                              make_remote_call(node_id, chunk_store_actor, figures_only, timeout));
  return [handle]() mutable {
    result<chunk_list_reply> out = status(status_code::unavailable, "no answer");
    handle.receive([&](remote_reply& reply) { out = decode_remote_reply<chunk_list_reply>(reply); },
                   [&](caf::error& error) { out = status(status_code::unavailable, describe_exit_reason(error)); });
    return out;
  };
}

}  // namespace

std::vector<fs_node_usage> ask_chunk_figures(caf::actor_system& system, zone_chunk_port& chunks,
                                             const std::string& self_node, std::uint64_t timeout_ms) {
  std::vector<fs_node_usage> rows;
  auto view = chunks.holders();
  if (!view) {
    fs_node_usage row;
    row.node_id = self_node;
    row.problem = fmt::format("the zone's nodes are unknown: {}", view.error().message());
    rows.push_back(std::move(row));
    return rows;
  }
  caf::scoped_actor self{system};
  std::vector<std::pair<storage_node, pending_figures>> asked;
  for (const auto& node : *view) {
    asked.emplace_back(node, ask_node(self, system, self_node, node.node_id, std::chrono::milliseconds(timeout_ms)));
  }
  for (auto& [node, collect] : asked) {
    fs_node_usage row;
    row.node_id = node.node_id;
    auto reply = collect();
    row.reachable = reply.has_value();
    if (reply) row.figures = reply->figures;
    else row.problem = fmt::format("{}{}", reply.error().message(), node.up ? "" : " (its status lease has expired: down)");
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace bucky::zone_fs
