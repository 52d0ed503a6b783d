#include "actors/gateway/login_guard.hpp"

#include <algorithm>

#include "messages/common/check.hpp"

namespace bucky::gateway {

std::uint64_t login_guard::wait_of(const table& entries, const std::string& key, std::uint32_t free,
                                   std::uint64_t now_ms) const {
  auto found = entries.find(key);
  if (found == entries.end() || found->second.failures < free) return 0;
  const auto& c = found->second;
  if (now_ms >= c.last_failure_ms + limits_.forget_after_ms) return 0;
  auto doublings = std::min<std::uint32_t>(c.failures - free, 30);
  auto wait = std::min(limits_.wait_ms_max, limits_.first_wait_ms << doublings);
  auto until = c.last_failure_ms + wait;
  return until > now_ms ? until - now_ms : 0;
}

std::uint64_t login_guard::wait_ms(const std::string& user, const std::string& address, std::uint64_t now_ms) const {
  return std::max(wait_of(users_, user, limits_.failures_free_per_user, now_ms),
                  wait_of(addresses_, address, limits_.failures_free_per_address, now_ms));
}

void login_guard::count(table& entries, const std::string& key, std::uint64_t now_ms) {
  auto found = entries.find(key);
  if (found != entries.end() && now_ms >= found->second.last_failure_ms + limits_.forget_after_ms) {
    found->second = {};
  }
  if (found == entries.end()) {
    if (entries.size() >= limits_.entries_max) {
      auto idle = std::min_element(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.second.last_failure_ms < b.second.last_failure_ms;
      });
      entries.erase(idle);
    }
    found = entries.emplace(key, counter{}).first;
  }
  found->second.failures += found->second.failures < UINT32_MAX;
  found->second.last_failure_ms = now_ms;
  BUCKY_CHECK(entries.size() <= limits_.entries_max);
}

void login_guard::failed(const std::string& user, const std::string& address, std::uint64_t now_ms) {
  count(users_, user, now_ms);
  count(addresses_, address, now_ms);
}

void login_guard::succeeded(const std::string& user, const std::string& address) {
  users_.erase(user);
  addresses_.erase(address);
}

}  // namespace bucky::gateway
