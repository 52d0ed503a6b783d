// Where a chunk's copies go (DESIGN §10.1): rendezvous (highest-random-weight)
// hashing over the zone's storage nodes. Every node ranks the nodes for a chunk
// the same way from the chunk id and node ids alone, so writers, readers and the
// repair actor agree without asking anyone; a node joining or leaving moves only
// the chunks it now ranks first for (about 1/n of them).
//
// A chunk's holders are the first R nodes of its ranking that are up and have
// room (never two copies on one node; the zone's nodes are its machines). Readers
// try the ranking in order, so after a change of nodes a chunk is still found
// where it was until repair has moved it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/chunk_id.hpp"

namespace bucky::zone_fs {

inline constexpr std::uint32_t copies_default = 2;  // R
inline constexpr std::uint32_t copies_max = 5;

struct storage_node {
  std::string node_id;
  bool up = true;        // its status lease is alive
  bool has_room = true;  // it takes new chunks (free space above its reserve)
};

// Every node of `nodes`, best first for `chunk`: by a 64-bit hash of (chunk, node
// id), ties (none in practice) by node id.
std::vector<std::string> rank_nodes(const chunk_id& chunk, const std::vector<std::string>& node_ids);

// The first `copies` nodes of the ranking that are up and have room; fewer when
// there are not enough (the writer then fails with ENOSPC or EAGAIN, saying why).
std::vector<std::string> place_chunk(const chunk_id& chunk, const std::vector<storage_node>& nodes,
                                     std::uint32_t copies);

}  // namespace bucky::zone_fs
