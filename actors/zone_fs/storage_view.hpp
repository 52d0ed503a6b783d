// Which nodes hold chunks, as the zone state says (one read, shared by writers,
// readers and the repair actor): every node of the zone config, up when its status
// key exists (its lease is alive), as the scheduler sees them. Without a zone
// config (development nodes) the nodes that report a status.
#pragma once

#include <vector>

#include "actors/zone_fs/chunk_placement.hpp"
#include "messages/common/status.hpp"
#include "messages/kv.hpp"

namespace bucky::zone_fs {

kv_request storage_view_request();
result<std::vector<storage_node>> read_storage_view(const kv_response& answer);

}  // namespace bucky::zone_fs
