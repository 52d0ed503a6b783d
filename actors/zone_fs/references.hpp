// Every chunk the zone file system references: the chunk blocks of every file and
// every pin (records.hpp), read a page at a time. What the repair actor keeps at R
// copies; a chunk outside this set is garbage (collected after a grace period).
// The pages are read at different revisions: a chunk referenced by a commit that
// lands during the scan may be missed, which is why collection waits a grace
// period on the holder (a writer stores a chunk before it commits it).
#pragma once

#include <cstdint>
#include <unordered_set>

#include "actors/zone_fs/kv_port.hpp"
#include "actors/zone_fs/records.hpp"

namespace bucky::zone_fs {

inline constexpr std::uint32_t reference_page_keys = 256;  // the zone state cuts a page at 2 MiB too
inline constexpr std::uint64_t reference_pages_max = 1'000'000;

using chunk_set = std::unordered_set<chunk_id, chunk_id_hash>;

struct reference_scan {
  chunk_set chunks;
  std::uint64_t files_blocks = 0, pins = 0;
  std::uint64_t unreadable = 0;  // blocks that did not decode (counted, not fatal: fsck names them)
};

result<reference_scan> scan_references(kv_port& zone_state);

}  // namespace bucky::zone_fs
