// The DNS answers of a zone, from its verified zone config. Authoritative for the
// zone's name and everything under it:
//   <node_id>.<zone_id>   A / AAAA: the node's address (its port is not in DNS)
//   _bucky.<zone_id>      TXT: the signed zone config (net/zone_config_txt.hpp)
// A name under the zone that is neither is NXDOMAIN; a known name without records of
// the asked type answers empty (NODATA); a name outside the zone is REFUSED (this is
// not a resolver). Pure: no I/O, so every answer is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "net/dns_wire.hpp"
#include "net/zone_config_file.hpp"

namespace bucky::net {

inline constexpr std::uint32_t dns_ttl_s = 60;  // zone configs change; resolvers should ask again soon

struct dns_answer {
  dns_rcode rcode = dns_rcode::noerror;
  bool authoritative = false;
  std::vector<dns_record> records;
};

dns_answer answer_zone_question(const verified_zone_config& zone, const dns_question& question);

// A whole exchange: query bytes in, answer bytes out (nothing for bytes that are not
// worth an answer, like a response or a fragment shorter than a header).
std::optional<std::vector<std::uint8_t>> serve_dns_message(const verified_zone_config& zone,
                                                           std::span<const std::uint8_t> message);

}  // namespace bucky::net
