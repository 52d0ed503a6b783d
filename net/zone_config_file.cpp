#include "net/zone_config_file.hpp"

#include <fmt/format.h>

#include "messages/codec.hpp"
#include "net/zone_config_sign.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::net {

result<verified_zone_config> load_zone_config_file(const std::string& path,
                                                    const std::optional<public_key>& pinned_owner) {
  auto bytes = read_small_file(path);
  if (!bytes) return bytes.error();
  auto document = decode<signed_zone_config>(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()));
  if (!document) {
    return status(status_code::invalid_argument,
                  fmt::format("{}: not a signed zone config: {}", path, document.error().message()));
  }
  auto config = verify_zone_config(*document, pinned_owner);
  if (!config) return status(config.error().code(), fmt::format("{}: {}", path, config.error().message()));
  return verified_zone_config{std::move(*document), std::move(*config)};
}

status save_zone_config_file(const std::string& path, const signed_zone_config& document) {
  auto bytes = encode(document);
  return write_file_atomically(path, std::string(bytes.begin(), bytes.end()), 0644);
}

}  // namespace bucky::net
