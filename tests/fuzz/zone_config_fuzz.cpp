// Fuzzes what a node accepts from anyone about its zone: signed zone configs (from a
// peer, a file or DNS), their TXT form, and activations. Random bytes must never
// verify, and whatever decodes must be refused or valid, never crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "messages/codec.hpp"
#include "messages/common/check.hpp"
#include "net/activation_sign.hpp"
#include "net/zone_config_sign.hpp"
#include "net/zone_config_txt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  if (auto document = bucky::decode<bucky::signed_zone_config>(bytes)) {
    if (auto config = bucky::net::verify_zone_config(*document, std::nullopt)) {
      BUCKY_CHECK(bucky::validate(*config).is_ok());
    }
  }
  std::array<std::uint8_t, bucky::net::seed_bytes> seed{};
  seed.fill(3);
  auto machine = bucky::net::key_pair::from_seed(seed);
  if (auto request = bucky::decode<bucky::activation_request>(bytes)) {
    (void)bucky::net::check_activation(*request, machine.public_part(), 1'800'000'000'000, std::nullopt);
  }
  std::vector<std::string> strings;
  std::size_t at = 0;
  while (at < size) {  // length-prefixed strings, as in a TXT record
    std::size_t length = data[at];
    ++at;
    length = std::min(length, size - at);
    strings.emplace_back(reinterpret_cast<const char*>(data + at), length);
    at += length;
  }
  (void)bucky::net::parse_zone_config_txt(strings);
  return 0;
}
