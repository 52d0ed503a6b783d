// Which nodes this transport dials (DESIGN §6): one connection per pair of nodes,
// dialled by the node with the smaller id, so two nodes never dial each other at
// once and a node never dials itself; an admin client (the CLI) dials every node.
// A gateway node (DESIGN §10.3) is the exception: a home node always dials it and
// it dials no home node, since home nodes may sit behind a NAT that lets nothing in.
// Nodes without an address yet (port 0) are trusted but not dialled. Used by
// routing_core; plain functions, no I/O.
#pragma once

#include <map>
#include <string>

#include "net/peer_directory.hpp"

namespace bucky {

// Whether `self` dials `entry` (an admin client dials every node with an address).
// `self_gateway`: this node is a gateway node.
bool dials(const std::string& self, bool self_gateway, bool admin_client, const net::peer_entry& entry);

// The entries of `peers` that `self` dials, by node id.
std::map<std::string, net::peer_entry> nodes_to_dial(const net::peer_directory& peers, const std::string& self,
                                                     bool admin_client);

// Same node, key and address: a dialled connection to `before` still reaches `after`.
bool same_dial_target(const net::peer_entry& before, const net::peer_entry& after);

}  // namespace bucky
