#include "actors/transport/dial_rule.hpp"

namespace bucky {

bool dials(const std::string& self, bool self_gateway, bool admin_client, const net::peer_entry& entry) {
  if (entry.identity.role != net::peer_identity::kind::node || entry.port == 0) return false;
  if (admin_client) return true;
  // Home nodes dial gateway nodes, never the other way round.
  if (entry.gateway != self_gateway) return entry.gateway;
  // The smaller id dials: of two nodes exactly one dials the other, and neither itself.
  return entry.identity.name > self;
}

std::map<std::string, net::peer_entry> nodes_to_dial(const net::peer_directory& peers, const std::string& self,
                                                     bool admin_client) {
  std::map<std::string, net::peer_entry> wanted;
  const auto* me = peers.node(self);
  const bool self_gateway = me != nullptr && me->gateway;
  for (const auto& entry : peers.entries()) {
    if (dials(self, self_gateway, admin_client, entry)) wanted.emplace(entry.identity.name, entry);
  }
  return wanted;
}

bool same_dial_target(const net::peer_entry& before, const net::peer_entry& after) {
  return before.identity.name == after.identity.name && before.identity.key == after.identity.key &&
         before.host == after.host && before.port == after.port && before.gateway == after.gateway;
}

}  // namespace bucky
