// Who sent a request, as the transport authenticated it: the role its key has in
// the zone (the owner key, an admin key, a node's key) and its name. Handed to the
// actor that serves the request, which decides what the caller may do
// (actors/state_store/acl.hpp). Requests from inside the process carry none.
#pragma once

#include <cstdint>
#include <string>

namespace bucky {

struct caller {
  // guest: an unknown key at a node waiting for activation; may do nothing here.
  enum class kind : std::uint8_t { owner, admin, node, guest };
  kind role = kind::node;
  std::string name;
};

}  // namespace bucky
