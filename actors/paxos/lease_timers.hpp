// The leader's lease clocks, as a plain class: which leases expire when, by the
// leader's own monotonic clock. Deadlines never cross machines: a new leader starts
// every lease afresh with its full TTL (so a leader change extends leases, never
// shortens them; the price is up to one extra TTL before a dead client's keys go).
// An expired lease is not deleted here: the leader proposes a revoke through the
// log, and the lease is gone when that revoke is applied.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "messages/kv.hpp"

namespace bucky {

class lease_timers {
 public:
  static constexpr std::uint64_t revoke_retry_ms = 1'000;  // a revoke lost in a leader change is proposed again
  static constexpr std::size_t revokes_per_tick_max = 64;

  // Became leader: every lease gets its full TTL from now.
  void start(const std::vector<lease_record>& leases, std::uint64_t now_ms);
  // No longer leader: forget all clocks.
  void stop() { clocks_.clear(); }
  // A grant was applied (also a retried one): its clock starts if it has none.
  void granted(const lease_record& lease, std::uint64_t now_ms);
  void revoked(std::int64_t id) { clocks_.erase(id); }
  // A keepalive the leader confirmed: the lease lives a full TTL from now.
  void kept_alive(std::int64_t id, std::int64_t ttl_s, std::uint64_t now_ms);
  // Expired leases whose revoke should be proposed now (bounded, rate-limited).
  std::vector<std::int64_t> due(std::uint64_t now_ms);

  std::size_t size() const { return clocks_.size(); }

 private:
  struct clock {
    std::int64_t ttl_s = 0;
    std::uint64_t deadline_ms = 0;
    std::uint64_t revoke_proposed_ms = 0;  // 0: not yet
  };
  std::map<std::int64_t, clock> clocks_;
};

}  // namespace bucky
