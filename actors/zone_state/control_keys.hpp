// The zone's control keys: what the runtime itself reads to decide who gets in and
// what runs where. Writing them is reserved by role, whatever /system/acl says, so
// no rule, user key or node key can reach past its role (issue 18):
//
//   /system/     the ACL and the zone config          the owner only
//   /users/      the people and their keys and roles  the owner only
//   /services/   service specs: what the nodes run    the owner and admins
//   /nodes/      node configs (which services a node  as the ACL says (nodes by
//                runs: pointers to specs) and status   default: the scheduler)
//   /scheduler/  the scheduler's leadership           as the ACL says
//   /logins/     people's keys sealed under their      the owner, and each person
//                passwords (net/password_box.hpp)       their own /logins/<name>
//
// /logins/ is also the one prefix whose reads are reserved: a sealed key is safe
// only as long as its password resists guessing, so no reader or writer gets the
// others' to guess at offline. The owner, admins and nodes (whose gateways sign
// people in) read it all; a person reads their own.
//
// A node key never writes a spec, a user or the ACL: a stolen one can move the
// services the owner and admins defined between the nodes they allowed, never make
// a node run anything else.
//
// A delete of a range must not sweep control keys by accident (an etcd habit:
// `etcdctl del "" --from-key`): a delete_range that reaches a control prefix is
// refused unless it lies inside one control prefix (`--prefix /services/web/`
// deletes one service's keys; `--prefix /` deletes nothing and says why).
#pragma once

#include <cstdint>
#include <string>

#include "messages/caller.hpp"
#include "messages/common/status.hpp"

namespace bucky {

enum class control_writer : std::uint8_t { owner, owner_or_admin, acl, owner_or_self };

struct control_prefix {
  const char* prefix;
  const char* holds;  // for error messages
  control_writer writer;
};

inline constexpr control_prefix control_prefixes[] = {
    {"/system/", "the ACL and the zone config", control_writer::owner},
    {"/users/", "the zone's users", control_writer::owner},
    {"/services/", "the service specs", control_writer::owner_or_admin},
    {"/nodes/", "the node configs and statuses", control_writer::acl},
    {"/scheduler/", "the scheduler's leadership", control_writer::acl},
    {"/logins/", "people's password-sealed keys", control_writer::owner_or_self},
};
inline constexpr const char* logins_prefix = "/logins/";

// May `who` write the keys [key, range_end) (range_end "" : just key; "\0": every
// key from key on) as far as the control keys go? The ACL is checked besides.
// `deleting_range`: a delete_range (scoped as above).
status check_control_write(const caller& who, const std::string& key, const std::string& range_end,
                           bool deleting_range);

// May `who` read [key, range_end) as far as the reserved reads go (/logins/)? The ACL
// is checked besides. The error says what to read instead.
status check_control_read(const caller& who, const std::string& key, const std::string& range_end);

}  // namespace bucky
