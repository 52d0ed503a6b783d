// The zone file system's way to the chunk stores: store a chunk on its R holders,
// load one from whichever holder has it. The node carries it out over the
// transport with a few worker threads (zone_fs/actor_ports); tests and the
// simulator with holders in memory. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "actors/zone_fs/records.hpp"
#include "messages/common/status.hpp"

namespace bucky::zone_fs {

// What the zone's chunk stores hold and can still take (statfs, `bucky fs df`).
struct zone_room {
  std::uint64_t stored_bytes = 0;  // on every up holder, all copies
  std::uint64_t room_bytes = 0;    // free above the reserves, on every up holder
  std::uint32_t holders_answered = 0;
  std::uint32_t copies = 1;        // R as the zone has it (fewer nodes: fewer copies)
};

class chunk_port {
 public:
  using ticket = std::uint64_t;
  virtual ~chunk_port() = default;
  // Starts storing `bytes` (≤ chunk_bytes) as a chunk on its holders: named by its
  // hash, synced on R holders before wait() returns its ref. May block while the
  // node already has its limit of stores in flight (flow control).
  virtual ticket store(std::string bytes) = 0;
  // The stored chunk's ref, or why it could not be stored on R holders: no_space
  // (fewer than R nodes with room), unavailable (fewer than R up), io_error.
  // Each ticket is waited for exactly once.
  virtual result<chunk_ref> wait(ticket pending) = 0;
  // The chunk's bytes from a holder, checked against its id; not_found when no
  // up node holds it, corruption when every copy found was bad.
  virtual result<std::string> load(const chunk_id& id) = 0;
  // Asks every up holder for its figures (may be cached a few seconds).
  virtual result<zone_room> room() = 0;
};

// Loads chunks ahead of a sequential reader, into the node's chunk cache
// (zone_fs/chunk_prefetch.hpp on a node). A hint: a wish may be dropped.
class chunk_readahead {
 public:
  virtual ~chunk_readahead() = default;
  // Starts loading `ref` unless it is cached, on its way, or there is no room.
  virtual void want(const chunk_ref& ref) = 0;
  // Waits while `id` is on its way here, then returns it from the cache (nothing
  // when it was not wanted, or its load failed: the caller loads it itself).
  virtual std::shared_ptr<const std::string> wait_for(const chunk_id& id) = 0;
};

}  // namespace bucky::zone_fs
