#include "actors/transport/dial_rule.hpp"

namespace bucky {

bool dials(const std::string& self, bool admin_client, const net::peer_entry& entry) {
  if (entry.identity.role != net::peer_identity::kind::node || entry.port == 0) return false;
  // The smaller id dials: of two nodes exactly one dials the other, and neither itself.
  return admin_client || entry.identity.name > self;
}

std::map<std::string, net::peer_entry> nodes_to_dial(const net::peer_directory& peers, const std::string& self,
                                                     bool admin_client) {
  std::map<std::string, net::peer_entry> wanted;
  for (const auto& entry : peers.entries()) {
    if (dials(self, admin_client, entry)) wanted.emplace(entry.identity.name, entry);
  }
  return wanted;
}

bool same_dial_target(const net::peer_entry& before, const net::peer_entry& after) {
  return before.identity.name == after.identity.name && before.identity.key == after.identity.key &&
         before.host == after.host && before.port == after.port;
}

}  // namespace bucky
