// One scheduling decision as zone-state requests (pure; scheduler/actor.cpp sends
// them). The scheduler reads everything a placement depends on in one snapshot,
// places (placement.hpp), and writes every changed node_config in one txn guarded
// by the revisions it read: its own leader key (fencing: a deposed scheduler's
// txn fails) and each written node_config's mod_revision (a decision from a stale
// read fails and is made again). So no placement is ever half written, and two
// schedulers never both act.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/scheduler/placement.hpp"
#include "messages/common/status.hpp"
#include "messages/kv.hpp"

namespace bucky {

inline constexpr const char* scheduler_leader_key = "/scheduler/leader";

struct scheduler_view {
  placement_input input;
  std::map<std::string, std::int64_t> config_revisions;  // node -> mod_revision (absent: 0)
  std::int64_t leader_create_revision = 0;                // of /scheduler/leader (0: none)
  std::string leader;                                     // its value: the holder's node_id
  std::vector<std::string> problems;                      // documents skipped, and why
};

kv_request scheduler_read_request();
result<scheduler_view> read_scheduler_view(const kv_response& answer);

// The node configs that differ from what is stored (nothing: no write needed).
std::map<std::string, node_config> changed_configs(const scheduler_view& view, const placement_output& placed);

// The guarded txn writing `changed`; held_create_revision is the create_revision of
// the leader key this scheduler wrote. On failure it reads the leader key back.
kv_request decision_request(const scheduler_view& view, const std::map<std::string, node_config>& changed,
                            std::int64_t held_create_revision);

// "+photos/0@n2 -photos/0@n1 ~notes/0@n3" (started, stopped, spec changed).
std::string describe_changes(const scheduler_view& view, const std::map<std::string, node_config>& changed);

}  // namespace bucky
