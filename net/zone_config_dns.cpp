#include "net/zone_config_dns.hpp"

#include <random>

#include <fmt/format.h>

#include "net/dns_server.hpp"
#include "net/dns_wire.hpp"
#include "net/zone_config_txt.hpp"

namespace bucky::net {

result<signed_zone_config> fetch_zone_config_dns(const std::string& server_host, std::uint16_t server_port,
                                                 const std::string& zone_id, std::uint64_t timeout_ms) {
  auto name = zone_config_txt_name(zone_id);
  auto id = static_cast<std::uint16_t>(std::random_device{}());
  auto query = build_dns_query(id, name, dns_type::txt);
  auto reply = dns_exchange(server_host, server_port, query, timeout_ms);
  if (!reply) return reply.error();
  auto response = parse_dns_response(*reply);
  if (!response) return response.error();
  auto where = fmt::format("DNS {}:{} for {} TXT", server_host, server_port, name);
  if (response->truncated) {
    return status(status_code::unsupported, where + ": the answer was truncated (the zone config is too big for UDP)");
  }
  if (response->rcode != dns_rcode::noerror) {
    return status(status_code::not_found, fmt::format("{}: rcode {}", where, static_cast<int>(response->rcode)));
  }
  std::vector<std::string> strings;
  for (const auto& record : response->answers) {
    if (record.type != dns_type::txt) continue;
    auto parts = txt_strings(record.data);
    if (!parts) return parts.error();
    strings.insert(strings.end(), parts->begin(), parts->end());
  }
  if (strings.empty()) return status(status_code::not_found, where + ": no TXT record");
  auto document = parse_zone_config_txt(strings);
  if (!document) return status(document.error().code(), where + ": " + document.error().message());
  return document;
}

}  // namespace bucky::net
