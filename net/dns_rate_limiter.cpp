#include "net/dns_rate_limiter.hpp"

#include <algorithm>

#include "messages/common/check.hpp"

namespace bucky::net {

dns_rate_limiter::dns_rate_limiter(dns_rate_limits limits) : limits_(limits) {
  BUCKY_CHECK(limits_.sources_max > 0 && limits_.answers_burst_max > 0);
}

bool dns_rate_limiter::allow(const std::string& source, std::uint64_t now_ms) {
  const std::uint64_t capacity_milli = std::uint64_t{limits_.answers_burst_max} * 1000;
  auto found = buckets_.find(source);
  if (found == buckets_.end()) {
    if (buckets_.size() >= limits_.sources_max) {
      buckets_.erase(order_.back());
      order_.pop_back();
    }
    order_.push_front(source);
    found = buckets_.emplace(source, bucket{capacity_milli, now_ms, order_.begin()}).first;
  } else {
    order_.splice(order_.begin(), order_, found->second.in_order);
  }
  auto& b = found->second;
  if (now_ms > b.refilled_ms) {
    // answers_per_second answers per 1000 ms is answers_per_second thousandths per ms.
    auto earned = (now_ms - b.refilled_ms) * limits_.answers_per_second;
    b.tokens_milli = std::min(capacity_milli, b.tokens_milli + earned);
    b.refilled_ms = now_ms;
  }
  BUCKY_CHECK(buckets_.size() <= limits_.sources_max && buckets_.size() == order_.size());
  if (b.tokens_milli < 1000) return false;
  b.tokens_milli -= 1000;
  return true;
}

}  // namespace bucky::net
