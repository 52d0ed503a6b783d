// Who a zone-state request acts for, stamped into the request by the replica that
// admits it (after the ACL check), over whatever the client put there: the state
// machine checks lease ownership against it on every replica alike (issue 18).
//
//   owner            the zone owner's key
//   admin:<name>     an admin's key
//   node:<node_id>   a node's key, or the node's own actors (in-process requests)
//   ""               the zone state itself (the leader's lease expiry); never stamped
#pragma once

#include <cstdint>
#include <string>

#include "messages/caller.hpp"
#include "messages/kv.hpp"

namespace bucky {

std::string principal_of(const caller& who);

// Sets request.principal and, for a lease grant without a chosen id, lease_pick
// from `random_bits` (any 64 random bits: the admitting actor draws them).
void stamp_request(kv_request& request, const caller& who, std::uint64_t random_bits);

}  // namespace bucky
