#include "actors/relay/relay_homes.hpp"

#include <string_view>

#include <fmt/format.h>

namespace bucky::relay {

relay_homes::relay_homes(std::string zone_id, std::uint64_t fresh_ms)
    : zone_id_(std::move(zone_id)), fresh_ms_(fresh_ms) {}

bool relay_homes::heard(const std::string& node, std::vector<std::string> apps, std::uint64_t now_ms) {
  auto [at, added] = homes_.try_emplace(node);
  at->second.apps = std::set<std::string>(apps.begin(), apps.end());
  at->second.heard_ms = now_ms;
  return added;
}

std::vector<std::string> relay_homes::expire(std::uint64_t now_ms) {
  std::vector<std::string> gone;
  for (auto at = homes_.begin(); at != homes_.end();) {
    if (now_ms > at->second.heard_ms + fresh_ms_) {
      gone.push_back(at->first);
      at = homes_.erase(at);
    } else {
      ++at;
    }
  }
  return gone;
}

result<std::string> relay_homes::choose(const std::string& server_name, const std::string& client_address,
                                        std::uint64_t now_ms) const {
  if (server_name != zone_id_) {
    const std::string suffix = "." + zone_id_;
    if (server_name.size() <= suffix.size() || !server_name.ends_with(suffix) ||
        server_name.substr(0, server_name.size() - suffix.size()).find('.') != std::string::npos) {
      return status(status_code::not_found, fmt::format("'{}' is not {} or an app of it", server_name, zone_id_));
    }
  }
  const std::string* best = nullptr;
  std::uint64_t best_weight = 0;
  for (const auto& [node, home] : homes_) {
    if (now_ms > home.heard_ms + fresh_ms_) continue;
    const auto weight = rendezvous_weight(client_address, node);
    if (best == nullptr || weight > best_weight) {  // ties (none in practice): map order, by node id
      best = &node;
      best_weight = weight;
    }
  }
  if (best == nullptr) {
    return status(status_code::unavailable, fmt::format("no home node of {} is connected to this gateway node", zone_id_));
  }
  return *best;
}

std::uint64_t rendezvous_weight(const std::string& client_address, const std::string& node) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a, 64 bits
  auto mix = [&hash](std::string_view text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
  };
  mix(client_address);
  mix(std::string_view("\0", 1));
  mix(node);
  // FNV's low bits mix poorly for short inputs: a final avalanche (splitmix64's).
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ull;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebull;
  return hash ^ (hash >> 31);
}

}  // namespace bucky::relay
