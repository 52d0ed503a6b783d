// Who sent a request, as the transport authenticated it: the role its key has in
// the zone (the owner key, an admin key, a node's key) and its name; or an app a
// node runs, when that node asks for it (kv_client_request::on_behalf). Handed to the
// actor that serves the request, which decides what the caller may do
// (actors/zone_state/acl.hpp). Requests from inside the process carry none.
#pragma once

#include <cstdint>
#include <string>

namespace bucky {

struct caller {
  // guest: an unknown key at a node waiting for activation; may do nothing here.
  // reader, writer: people with a narrower role than admin (user_record::role).
  // app: an installed app, through the node that runs it (kRPC; name: the app's).
  enum class kind : std::uint8_t { owner, admin, node, guest, reader, writer, app };
  kind role = kind::node;
  std::string name;
};

// "owner", "admin", "node", "guest", "reader", "writer".
inline const char* role_name(caller::kind role) {
  switch (role) {
    case caller::kind::owner: return "owner";
    case caller::kind::admin: return "admin";
    case caller::kind::node: return "node";
    case caller::kind::guest: return "guest";
    case caller::kind::reader: return "reader";
    case caller::kind::writer: return "writer";
    case caller::kind::app: return "app";
  }
  return "?";
}

// The owner and admins: the people who may act on a node itself (restart its
// actors, make its replica step down, read its log, inject faults).
inline bool is_owner_or_admin(const caller& who) {
  return who.role == caller::kind::owner || who.role == caller::kind::admin;
}

}  // namespace bucky
