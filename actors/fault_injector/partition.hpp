// What a network partition written as groups means for each node. "n1,n2|n3" puts
// n1 and n2 on one side and n3 on the other; a node may sit in several groups
// ("n1,n2,n3|n3,n4,n5": n3 bridges two sides; "n1,n2|n2,n3|n3,n1": a ring). Two
// nodes reach each other when some group holds both. Every node of the zone must be
// named, so that a typo cannot silently leave a node out.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "messages/common/status.hpp"

namespace bucky {

// For each node of `zone_nodes`, the nodes it must not reach under `groups`.
result<std::map<std::string, std::set<std::string>>> partition_blocks(const std::vector<std::string>& zone_nodes,
                                                                      const std::string& groups);

}  // namespace bucky
