// node_loop ("nodeloop"): this node's half of DESIGN §5. It reads its node_config
// (/nodes/<node_id>/config: a watch, and a re-read every config_reread_ms), keeps
// the last one it saw in <data_dir>/node_config, and converges the processes to it
// through the process manager (reconcile.hpp decides). It writes
// /nodes/<node_id>/status under its own lease (ttl lease_ttl_s, kept alive every
// keepalive_ms), so the scheduler sees a dead node's status vanish.
//
// When the zone state does not answer it keeps applying the node_config it has
// (also after a restart, from the file, once cache_grace_ms passed without an
// answer: a node back from the dead first learns whether its instances moved
// meanwhile): a store outage never stops services.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <caf/actor.hpp>

#include "actors/process_manager/process_table.hpp"
#include "actors/runtime/component.hpp"
#include "net/keys.hpp"

namespace bucky {

inline constexpr const char* node_loop_actor = "nodeloop";

struct node_loop_config {
  std::string node_id;
  std::string data_dir;
  std::shared_ptr<process_table> table;
  std::int64_t lease_ttl_s = 3;
  std::uint64_t keepalive_ms = 1'000;
  std::uint64_t config_reread_ms = 10'000;
  std::uint32_t watch_wait_ms = 5'000;
  std::uint64_t request_timeout_ms = 3'000;
  std::uint64_t cache_grace_ms = 5'000;
  // The zone owner: specs run only when signed by them or an admin they signed.
  // None: a development zone (peers file), where specs run unsigned.
  std::optional<net::public_key> zone_owner;
};

caf::actor spawn_node_loop(caf::actor_system& system, const child_context& context, node_loop_config config);

}  // namespace bucky
