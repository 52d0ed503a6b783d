// The zonefs actor's side of `bucky fs` (fs_requests.hpp holds the rest): what
// only an actor can find out, here the chunk stores' figures for df, asked of
// every node of the storage view at once (this node's "chunks" actor directly,
// the others through the transport).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/zone_fs/zone_ports.hpp"
#include "messages/fs.hpp"

namespace bucky::zone_fs {

// One row per node of the storage view, in node order; a node that did not answer
// within timeout_ms is unreachable, with why.
std::vector<fs_node_usage> ask_chunk_figures(caf::actor_system& system, zone_chunk_port& chunks,
                                             const std::string& self_node, std::uint64_t timeout_ms);

}  // namespace bucky::zone_fs
