// chunk_store: this node's chunks on its own disk (storage/chunk_dir), served to
// the zone (messages/chunk.hpp): the zone-fs clients of every node store and read
// chunks here, the repair actor lists them, has copies pulled and drops extras and
// garbage. A scrubber reads every chunk again, slowly (scrub_bytes_per_s), so a
// chunk the disk corrupted is found and moved aside before anyone needs it; the
// repair actor then sees a copy missing and makes another.
//
// Detached (its own thread): every put syncs the disk. Only zone nodes may store,
// read, pull or drop; the owner and admins may also list (figures for `bucky fs df`).
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>

#include "actors/runtime/component.hpp"

namespace bucky {

inline constexpr const char* chunk_store_actor = "chunks";

struct chunk_store_config {
  std::string node_id;
  std::string chunk_dir;                     // <data_dir>/chunks
  std::uint64_t reserve_bytes = 1ull << 30;  // free space it never fills
  std::uint64_t scrub_bytes_per_s = 1ull << 20;  // a 2 TB disk every ~3 weeks; an idle node stays idle
  std::uint64_t pull_timeout_ms = 30'000;
};

caf::actor spawn_chunk_store(caf::actor_system& system, const child_context& context, chunk_store_config config);

}  // namespace bucky
