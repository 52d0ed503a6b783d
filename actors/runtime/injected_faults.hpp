// Faults a test injects into one running bucky-node (BUCKY_FAULT_INJECTION=1 only;
// set through the `faults` actor, read by the components they affect):
//   - blocked peers: the transport refuses and closes sessions with these nodes,
//     as a network partition would (both directions: a session is one connection);
//   - a slow disk: every zone-state commit waits disk_delay_ms first;
//   - a full disk: every zone-state commit fails as ENOSPC would;
//   - a clock jump: the zone state's monotonic clock (elections, lease expiry)
//     reads clock_offset_ms ahead, as after a suspended VM resumes.
// Thread-safe: the transport's I/O thread reads the blocked set at each handshake.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include "messages/common/status.hpp"

namespace bucky {

struct injected_faults_limits {
  static constexpr std::uint64_t disk_delay_ms_max = 10'000;
  static constexpr std::uint64_t clock_jump_ms_max = 24ull * 3'600 * 1'000;
  static constexpr std::size_t blocked_max = 256;
};

class injected_faults {
 public:
  bool blocks(const std::string& node_id) const;
  std::set<std::string> blocked() const;
  void block_only(std::set<std::string> nodes);

  void set_disk(std::uint64_t delay_ms, bool full);
  std::uint64_t disk_delay_ms() const { return disk_delay_ms_.load(); }
  bool disk_full() const { return disk_full_.load(); }
  // Called before each commit of the zone state: waits out the slow disk, then
  // says whether the write may go on.
  status before_disk_write() const;

  void jump_clock(std::uint64_t forward_ms) { clock_offset_ms_ += forward_ms; }
  std::uint64_t clock_offset_ms() const { return clock_offset_ms_.load(); }

  // "blocked n2,n3; disk delay 200 ms, full; clock +5000 ms" ("none" when clear).
  std::string describe() const;

 private:
  mutable std::mutex mutex_;
  std::set<std::string> blocked_;
  std::atomic<std::uint64_t> disk_delay_ms_{0};
  std::atomic<bool> disk_full_{false};
  std::atomic<std::uint64_t> clock_offset_ms_{0};
};

}  // namespace bucky
