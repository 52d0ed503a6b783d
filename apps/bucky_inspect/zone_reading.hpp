// Turning answers into a zone_snapshot (pure, unit-tested): the zone-state read the
// inspector makes each refresh (node configs and statuses, drains, the scheduler's
// leader key, in one serializable snapshot) and the replicas' own views of the
// zone state (who leads, how far each has applied).
#pragma once

#include "apps/bucky_inspect/zone_snapshot.hpp"
#include "messages/fs.hpp"
#include "messages/kv.hpp"

namespace bucky::inspect {

kv_request zone_state_request();

// Fills drained, reports_status and services of the nodes in `zone` (nodes the
// zone state names but the zone config does not are added, marked down).
void apply_zone_state(const kv_response& answer, zone_snapshot& zone);

// The zone file system's df answer: zone.files and each listed node's chunks
// (nodes df names but the snapshot does not are left out). The repair report is
// read leniently: a field missing or of another type stays -1.
void apply_files(const fs_reply& df, std::int64_t asked_unix_ms, zone_snapshot& zone);

// zone.leader: the leader most replicas name; zone.ballot: the highest ballot;
// zone.revision: the highest revision any replica applied.
void summarize_replicas(zone_snapshot& zone);

}  // namespace bucky::inspect
