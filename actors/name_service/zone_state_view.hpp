// What name_service reads back from the zone state every gossip interval, and what
// it makes of it (pure; no I/O):
//
//   - the users at /users/: each admitted by the transport as an admin under its
//     name, next to the nodes and the owner of the zone config;
//   - the zone config mirrored at /system/zone_config: a state node whose version is
//     newer writes it there (compare-and-set on the revision read), so the zone
//     state always catches up with the newest config any state node adopted.
//
// One serializable read of both (the node's applied state, or through a state node
// for a node without a replica). A user record that does not parse, or whose name
// or key is taken by a node or the owner, is left out and named in `problems`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/zone_state/system_config.hpp"
#include "net/peer_directory.hpp"

namespace bucky {

struct zone_state_view {
  std::vector<user_record> users;  // sorted by name, at most users_max
  std::vector<std::string> problems;
  std::uint64_t mirrored_version = 0;    // 0: none, or one that does not parse
  std::int64_t mirror_mod_revision = 0;  // what a replacing write must expect
};

kv_request zone_state_view_request();
result<zone_state_view> read_zone_state_view(const kv_response& answer);

// The nodes and the owner of `config`, and the users with their roles. Users the
// owner did not sign, or that collide with a node, the owner or each other, are
// skipped and named in `skipped`.
result<net::peer_directory> trusted_directory(const zone_config& config, const std::vector<user_record>& users,
                                              std::vector<std::string>& skipped);

}  // namespace bucky
