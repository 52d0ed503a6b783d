// The scheduler's decision (DESIGN §4, the scheduling loop): which node runs which
// service instance. Pure: the zone state it read goes in, every node's node_config
// comes out; scheduler/actor.cpp writes the changed ones in one guarded txn.
//
// Rules, in order of priority:
//   1. An instance runs only on a live node (its status key exists: its lease is
//      alive), not drained by an operator (/nodes/<id>/drain exists), that the
//      spec allows ("nodes", or any node of the zone config but its gateway
//      nodes, which only relay).
//   2. At most one instance of a service per node.
//   3. Stability: an instance stays where it is while rule 1 holds (a changed spec
//      is updated in place; a node coming back gets nothing moved back to it).
//   4. A missing instance goes to the allowed live node with the fewest instances,
//      ties broken by node_id, so the same input always gives the same placement.
// Instances that cannot be placed (too few allowed live nodes) are listed.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "messages/service.hpp"

namespace bucky {

struct placed_spec {
  service_spec spec;
  std::int64_t mod_revision = 0;
};

struct placement_input {
  std::map<std::string, placed_spec> specs;       // by service name
  std::vector<std::string> nodes;                 // the zone config's nodes
  std::set<std::string> live;                     // nodes with a status (lease alive)
  std::set<std::string> drained;                  // nodes an operator drained
  std::map<std::string, node_config> current;     // by node_id; absent: none yet
};

struct placement_output {
  // Every node of `nodes`, and every node of `current` that left the zone (empty).
  std::map<std::string, node_config> configs;
  std::vector<std::string> unplaced;  // "service/index: why"
};

placement_output place(const placement_input& input);

}  // namespace bucky
