// Finding a zone config through DNS: ask a server for the TXT record at
// _bucky.<zone_id> and reassemble the signed document from it. The caller verifies
// it (verify_zone_config, under the owner key it trusts): DNS is only a path.
#pragma once

#include <cstdint>
#include <string>

#include "messages/zone_config.hpp"

namespace bucky::net {

result<signed_zone_config> fetch_zone_config_dns(const std::string& server_host, std::uint16_t server_port,
                                                 const std::string& zone_id, std::uint64_t timeout_ms);

}  // namespace bucky::net
