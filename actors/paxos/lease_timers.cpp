#include "actors/paxos/lease_timers.hpp"

namespace bucky {

namespace {

std::uint64_t ttl_ms(std::int64_t ttl_s) { return static_cast<std::uint64_t>(ttl_s) * 1'000; }

}  // namespace

void lease_timers::start(const std::vector<lease_record>& leases, std::uint64_t now_ms) {
  clocks_.clear();
  for (const auto& lease : leases) clocks_[lease.id] = {lease.ttl_s, now_ms + ttl_ms(lease.ttl_s), 0};
}

void lease_timers::granted(const lease_record& lease, std::uint64_t now_ms) {
  clocks_.try_emplace(lease.id, clock{lease.ttl_s, now_ms + ttl_ms(lease.ttl_s), 0});
}

void lease_timers::kept_alive(std::int64_t id, std::int64_t ttl_s, std::uint64_t now_ms) {
  auto& c = clocks_[id];
  c.ttl_s = ttl_s;
  c.deadline_ms = now_ms + ttl_ms(ttl_s);
  c.revoke_proposed_ms = 0;
}

std::vector<std::int64_t> lease_timers::due(std::uint64_t now_ms) {
  std::vector<std::int64_t> expired;
  for (auto& [id, c] : clocks_) {
    if (expired.size() >= revokes_per_tick_max) break;
    if (now_ms < c.deadline_ms) continue;
    if (c.revoke_proposed_ms != 0 && now_ms < c.revoke_proposed_ms + revoke_retry_ms) continue;
    c.revoke_proposed_ms = now_ms;
    expired.push_back(id);
  }
  return expired;
}

}  // namespace bucky
