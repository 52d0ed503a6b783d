// scheduler ("scheduler"): the zone's scheduling loop (DESIGN §4). One runs on
// every node; exactly one leads, holding /scheduler/leader under its lease (a put
// that only succeeds while the key does not exist); the others try again every
// keepalive_ms and take over within a lease TTL of the leader's death.
//
// The leader watches /nodes/, /scheduler/, /services/ and /system/ and decides
// after each burst of changes (at most one decision per decide_delay_ms), and every
// decide_interval_ms anyway: it reads the zone state in one snapshot, places
// (placement.hpp) and writes the changed node_configs in one txn fenced by its
// leader key (decision.hpp). A failed fence means it was deposed: it stops leading.
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>

#include "actors/runtime/component.hpp"

namespace bucky {

inline constexpr const char* scheduler_actor = "scheduler";

struct scheduler_config {
  std::string node_id;
  std::int64_t lease_ttl_s = 3;
  std::uint64_t keepalive_ms = 1'000;
  std::uint64_t decide_delay_ms = 200;
  std::uint64_t decide_interval_ms = 5'000;
  std::uint32_t watch_wait_ms = 5'000;
  std::uint64_t request_timeout_ms = 3'000;
};

caf::actor spawn_scheduler(caf::actor_system& system, const child_context& context, scheduler_config config);

}  // namespace bucky
