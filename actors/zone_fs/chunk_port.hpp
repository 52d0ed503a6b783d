// The zone file system's way to the chunk stores: store a chunk on its R holders,
// load one from whichever holder has it. The node carries it out over the
// transport with a few worker threads (zone_fs/actor_ports); tests and the
// simulator with holders in memory. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "actors/zone_fs/records.hpp"
#include "messages/common/status.hpp"

namespace bucky::zone_fs {

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
};

}  // namespace bucky::zone_fs
