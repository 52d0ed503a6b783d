// acl_config: who may read or write which keys of the zone state. It lives in the
// zone state itself, at /system/acl, as JSON a person can read and edit:
//
//   {"rules": [{"who": "node", "prefix": "/nodes/{self}/", "access": "write"}, ...]}
//
//   who     "admin" (every admin), "admin:<name>", "writer", "writer:<name>",
//           "reader", "reader:<name>" (people by their role in /users/), "node"
//           (every node), "node:<node_id>", or "*" (every authenticated caller)
//   prefix  the keys the rule covers; "{self}" is the caller's name, "*" one path
//           segment (no '/'); "" covers every key
//   access  "read", or "write" (which includes read)
//
// The zone owner may do everything the rules cover, whatever they say (so no rule
// can lock the owner out). Above the rules stand the control keys' reservations
// (control_keys.hpp): /system/ and /users/ are the owner's, /services/ the owner's
// and admins', and a delete_range reaching them must lie inside one prefix.
//
// Without /system/acl the defaults apply: admins read and write all; nodes read all
// and write /nodes/{self}/, /nodes/*/config (the scheduler places services),
// /scheduler/ and /fs/ (every node serves the zone file system's mount); readers read all; writers read all and write /home/{self}/;
// readers and writers write their own /logins/{self} (their password: the panel) (more
// with rules such as {"who": "writer:alice", "prefix": "/photos/", "access":
// "write"}). (That a write of /system/acl parses is checked with the other system
// documents: system_config.hpp.)
//
// A request is allowed when every key it reads or writes is covered by a rule
// granting that access: a range by the prefix all its keys share; a lease
// operation needs write access somewhere. The zone state checks every request that
// comes from the transport against the rules it has applied (a change of the rules
// takes effect on each node as it applies it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "messages/caller.hpp"
#include "messages/common/status.hpp"
#include "messages/kv.hpp"
#include "messages/kv_watch.hpp"

namespace bucky {

inline constexpr const char* acl_key = "/system/acl";
inline constexpr std::size_t acl_rules_max = 256;

struct acl_rule {
  std::string who;
  std::string prefix;
  bool write = false;
  bool operator==(const acl_rule&) const = default;
};

struct acl_config {
  std::vector<acl_rule> rules;
  bool operator==(const acl_config&) const = default;
};

acl_config default_acl();
// Errors name the rule (by index) and the field.
result<acl_config> parse_acl(std::string_view json_text);
std::string acl_to_json(const acl_config& acl);

status check_access(const acl_config& acl, const caller& who, const kv_request& request);
status check_access(const acl_config& acl, const caller& who, const kv_watch_request& request);

// What may be done to a node itself rather than to the zone state (the transport
// serves these to authenticated keys): the owner and admins only, never a node's key
// (a stolen one must not silence or restart other nodes), a reader, a writer or a
// guest. The error names the caller and the action.
enum class node_action : std::uint8_t { restart_actor, step_down, read_log, inject_fault };
status check_node_action(const caller& who, node_action action);

}  // namespace bucky
