// Fuzzes the name service's DNS path with bytes from the network: a query answered
// for a real zone (every answer must parse back as a response with the query's id),
// its truncated form as the UDP server sends it to keep answers near the query's
// size, the server's per-source rate limiter driven by the same bytes (sources and
// clock steps), and the same bytes read as a response and as TXT data, the way
// bucky's own lookups read what a DNS server sends.
#include <cstddef>
#include <cstdint>

#include "messages/common/check.hpp"
#include "net/dns_rate_limiter.hpp"
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

// Each pair of bytes is one datagram: its source (one of 16 addresses) and how many
// ms passed since the previous one. With room for every source, none gets more than
// its burst plus what the elapsed time refilled; with less room, the table stays
// within sources_max.
void drive_rate_limiter(std::span<const std::uint8_t> bytes) {
  bucky::net::dns_rate_limits roomy{5, 3, 16};
  bucky::net::dns_rate_limits cramped{5, 3, 4};
  bucky::net::dns_rate_limiter limiter(roomy);
  bucky::net::dns_rate_limiter forgetful(cramped);
  const std::uint64_t start_ms = 1'000;
  std::uint64_t now_ms = start_ms;
  std::array<std::uint64_t, 16> answered{};
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    now_ms += bytes[i + 1] * 7;
    auto source = "10.0.0." + std::to_string(bytes[i] % 16);
    if (limiter.allow(source, now_ms)) ++answered[bytes[i] % 16];
    (void)forgetful.allow(source, now_ms);
    BUCKY_CHECK(limiter.sources() <= roomy.sources_max);
    BUCKY_CHECK(forgetful.sources() <= cramped.sources_max);
  }
  for (auto count : answered) {
    BUCKY_CHECK(count <= roomy.answers_burst_max + (now_ms - start_ms) * roomy.answers_per_second / 1000);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  if (auto answer = bucky::net::serve_dns_message(zone(), bytes)) {
    BUCKY_CHECK(answer->size() <= bucky::net::dns_limits::udp_bytes_max);
    auto parsed = bucky::net::parse_dns_response(*answer);
    BUCKY_CHECK(parsed.has_value());
    BUCKY_CHECK(size >= 2 && parsed->id == static_cast<std::uint16_t>(data[0] << 8 | data[1]));
    if (auto truncated = bucky::net::truncate_dns_answer(bytes, *answer)) {
      auto short_form = bucky::net::parse_dns_response(*truncated);
      BUCKY_CHECK(short_form.has_value() && short_form->truncated && short_form->answers.empty());
      BUCKY_CHECK(short_form->id == parsed->id && short_form->rcode == parsed->rcode);
      BUCKY_CHECK(truncated->size() <= size + 11);  // the question as asked, and an OPT record
    }
  }
  drive_rate_limiter(bytes);
  if (auto response = bucky::net::parse_dns_response(bytes)) {
    BUCKY_CHECK(response->answers.size() <= bucky::net::dns_limits::records_max);
  }
  (void)bucky::net::txt_strings(bytes);
  return 0;
}
