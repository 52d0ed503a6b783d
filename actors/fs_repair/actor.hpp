// fs_repair ("fsrepair"): keeps every chunk of the zone file system at R copies on
// the nodes its placement ranks first (DESIGN §10.1). One runs on every node;
// exactly one leads, holding /fs/repair-leader under its lease (as the scheduler
// does). Every round_interval_ms the leader reads the storage view, every chunk
// the zone references (zone_fs/references.hpp) and every up node's chunk list
// (every quiet_round_interval_ms when the last round found nothing to do; at once
// when a node went up or down),
// decides with zone_fs/repair_plan.hpp, and carries the actions out: a copy is
// pulled by its new holder from an up holder, extra copies are dropped, garbage is
// collected by holders where it has been idle for collect_idle_ms. Each round's
// figures go to /fs/repair (JSON) for `bucky fs df` and `bucky status`.
//
// Detached: its calls to the zone state and the chunk stores block.
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>

#include "actors/runtime/component.hpp"

namespace bucky {

inline constexpr const char* fs_repair_actor = "fsrepair";
inline constexpr const char* fs_repair_leader_key = "/fs/repair-leader";
inline constexpr const char* fs_repair_report_key = "/fs/repair";

struct fs_repair_config {
  std::string node_id;
  std::uint32_t copies = 2;
  std::int64_t lease_ttl_s = 30;  // a round blocks the actor: the lease outlives one
  std::uint64_t tick_ms = 1'000;
  std::uint64_t round_interval_ms = 10'000;        // while the last round found work
  std::uint64_t quiet_round_interval_ms = 60'000;  // while everything was in place (a node going
                                                   // up or down starts a round at the next tick)
  std::uint64_t collect_idle_ms = 24ull * 3600 * 1000;  // garbage stays this long after its last store
  std::uint64_t request_timeout_ms = 10'000;
  std::uint64_t pull_timeout_ms = 60'000;
  std::uint32_t pulls_in_flight_max = 8;
};

caf::actor spawn_fs_repair(caf::actor_system& system, const child_context& context, fs_repair_config config);

}  // namespace bucky
