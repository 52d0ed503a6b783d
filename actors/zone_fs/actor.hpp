// zone_fs: the zone file system on this node (DESIGN §10.1). It owns the node's
// way to the zone state and the chunk stores (zone_ports.hpp), the node's open
// files and chunk cache (node_files.hpp), and, when a mount point is configured,
// the FUSE mount that serves them (fuse_mount/). It creates the file system's
// root the first time any node starts (one txn: the first wins), then mounts.
// A mount that cannot be made is logged with what to do and tried again; a mount
// that someone removed ends the actor (node_daemon restarts it: it mounts again).
//
// Detached: the file-system calls block on the zone state and the chunk stores.
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>

#include "actors/runtime/component.hpp"

namespace bucky {

inline constexpr const char* zone_fs_actor = "zonefs";

struct zone_fs_config {
  std::string node_id;
  std::string mount_point;  // "": no mount (`bucky fs` still works)
  std::uint32_t copies = 2;
  std::uint64_t cache_bytes = 256ull << 20;
  std::uint64_t zone_timeout_ms = 10'000;
  std::uint64_t retry_ms = 2'000;  // the root and the mount are tried again after this
};

caf::actor spawn_zone_fs(caf::actor_system& system, const child_context& context, zone_fs_config config);

}  // namespace bucky
