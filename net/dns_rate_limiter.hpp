// Response rate limiting for the DNS server (issue 18): a token bucket per source
// address, so that queries with a spoofed source (the victim's) draw at most
// answers_per_second (after a burst) towards it, whoever sends them. The table of
// sources is bounded: past sources_max, the source heard from least recently is
// forgotten. Pure: the caller passes the time, so the fuzzer and tests drive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

namespace bucky::net {

struct dns_rate_limits {
  std::uint32_t answers_per_second = 20;  // per source, after the burst
  std::uint32_t answers_burst_max = 40;   // per source
  std::size_t sources_max = 4096;         // sources remembered at once
};

class dns_rate_limiter {
 public:
  explicit dns_rate_limiter(dns_rate_limits limits);

  // Whether `source` may be answered at now_ms; takes one of its tokens if so.
  bool allow(const std::string& source, std::uint64_t now_ms);
  std::size_t sources() const { return buckets_.size(); }

 private:
  struct bucket {
    std::uint64_t tokens_milli = 0;  // thousandths of an answer
    std::uint64_t refilled_ms = 0;
    std::list<std::string>::iterator in_order;
  };

  dns_rate_limits limits_;
  std::unordered_map<std::string, bucket> buckets_;
  std::list<std::string> order_;  // most recently heard first
};

}  // namespace bucky::net
