// Fuzzes the name service's DNS path with bytes from the network: a query answered
// for a real zone (every answer must parse back as a response with the query's id),
// and the same bytes read as a response and as TXT data, the way bucky's own lookups
// read what a DNS server sends.
#include <cstddef>
#include <cstdint>

#include "messages/common/check.hpp"
#include "net/dns_wire.hpp"
#include "net/dns_zone.hpp"
#include "net/zone_config_sign.hpp"

namespace {

const bucky::net::verified_zone_config& zone() {
  static const auto made = [] {
    std::array<std::uint8_t, bucky::net::seed_bytes> seed{};
    seed.fill(9);
    auto owner = bucky::net::key_pair::from_seed(seed);
    bucky::zone_config config;
    config.zone_id = "home.example";
    config.owner_key = owner.public_part().to_text();
    config.version = 1;
    seed.fill(1);
    config.nodes.push_back({"nas", bucky::net::key_pair::from_seed(seed).public_part().to_text(), "10.0.0.1:7101"});
    seed.fill(2);
    config.nodes.push_back({"v6", bucky::net::key_pair::from_seed(seed).public_part().to_text(), "[fd00::1]:7101"});
    config.state_nodes = {"nas"};
    auto document = *bucky::net::sign_zone_config(config, owner);
    return bucky::net::verified_zone_config{document, *bucky::net::verify_zone_config(document, std::nullopt)};
  }();
  return made;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  if (auto answer = bucky::net::serve_dns_message(zone(), bytes)) {
    BUCKY_CHECK(answer->size() <= bucky::net::dns_limits::udp_bytes_max);
    auto parsed = bucky::net::parse_dns_response(*answer);
    BUCKY_CHECK(parsed.has_value());
    BUCKY_CHECK(size >= 2 && parsed->id == static_cast<std::uint16_t>(data[0] << 8 | data[1]));
  }
  if (auto response = bucky::net::parse_dns_response(bytes)) {
    BUCKY_CHECK(response->answers.size() <= bucky::net::dns_limits::records_max);
  }
  (void)bucky::net::txt_strings(bytes);
  return 0;
}
