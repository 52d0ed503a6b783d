#include "net/activation_sign.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "messages/codec.hpp"
#include "net/zone_config_sign.hpp"

namespace bucky::net {

namespace {

status activation_refused(const std::string& why) { return status(status_code::permission_denied, "activation refused: " + why); }

}  // namespace

result<activation_request> sign_activation(const activation& body, const key_pair& owner) {
  if (body.expires_unix_ms <= body.issued_unix_ms ||
      body.expires_unix_ms - body.issued_unix_ms > activation_limits::lifetime_ms_max) {
    return status(status_code::invalid_argument, "activation: it must expire after it is issued, within 24 hours");
  }
  activation_request request;
  request.body = encode(body);
  request.signature = sign_in_domain(owner, activation_signature_domain, request.body);
  return request;
}

result<checked_activation> check_activation(const activation_request& request, const public_key& own_key,
                                            std::uint64_t now_unix_ms,
                                            const std::optional<public_key>& pinned_owner) {
  auto body = decode<activation>(request.body);
  if (!body) return activation_refused("it does not decode: " + body.error().message());
  auto config = verify_zone_config(body->zone, pinned_owner);
  if (!config) return activation_refused(config.error().message());
  if (body->zone_id != config->zone_id) {
    return activation_refused(fmt::format("it names zone {} but carries the config of zone {}", body->zone_id, config->zone_id));
  }
  auto owner = public_key::from_text(config->owner_key);
  if (!owner) return activation_refused(owner.error().message());
  if (request.signature.size() != signature_bytes) return activation_refused("its signature is not 64 bytes");
  if (!verify_in_domain(*owner, activation_signature_domain, request.body, request.signature)) {
    return activation_refused("the owner's signature does not match (tampered, or signed by a key other than the zone owner)");
  }
  if (body->node_key != own_key.to_text()) {
    return activation_refused(fmt::format("it was issued for node key {}, this node's key is {}: ask the owner for an "
                               "activation for this machine",
                               body->node_key, own_key.to_text()));
  }
  const auto* listed = config->find(body->node_id);
  if (!listed || listed->public_key != body->node_key) {
    return activation_refused(fmt::format("zone config version {} does not list node {} with this node's key",
                               config->version, body->node_id));
  }
  if (now_unix_ms >= body->expires_unix_ms) {
    return activation_refused(fmt::format("it expired {} s ago: issue a new one with bucky node activate",
                               (now_unix_ms - body->expires_unix_ms) / 1'000));
  }
  if (body->issued_unix_ms > now_unix_ms + activation_limits::clock_skew_ms_max) {
    return activation_refused(fmt::format("it was issued {} s in this node's future: check the clocks",
                               (body->issued_unix_ms - now_unix_ms) / 1'000));
  }
  return checked_activation{std::move(*body), std::move(*config)};
}

}  // namespace bucky::net
