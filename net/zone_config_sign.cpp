#include "net/zone_config_sign.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "messages/codec.hpp"

namespace bucky::net {

namespace {

status zone_config_refused(const std::string& why) { return status(status_code::permission_denied, "zone config refused: " + why); }

}  // namespace

result<signed_zone_config> sign_zone_config(const zone_config& config, const key_pair& owner) {
  auto ordered = canonical(config);
  if (auto valid = validate(ordered); !valid.is_ok()) return valid;
  if (ordered.owner_key != owner.public_part().to_text()) {
    return status(status_code::invalid_argument, "zone config: this key is not the owner key the config names");
  }
  signed_zone_config document;
  document.config = encode(ordered);
  document.signature = sign_in_domain(owner, zone_config_signature_domain, document.config);
  return document;
}

result<zone_config> verify_zone_config(const signed_zone_config& document,
                                       const std::optional<public_key>& pinned_owner) {
  auto config = decode<zone_config>(document.config);
  if (!config) return zone_config_refused("it does not decode: " + config.error().message());
  if (encode(canonical(*config)) != document.config) return zone_config_refused("its encoding is not canonical");
  if (auto valid = validate(*config); !valid.is_ok()) return zone_config_refused(valid.message());
  auto owner = public_key::from_text(config->owner_key);
  if (!owner) return zone_config_refused(owner.error().message());
  if (pinned_owner && *owner != *pinned_owner) {
    return zone_config_refused(fmt::format("it names owner key {} but this node trusts {}", config->owner_key,
                               pinned_owner->to_text()));
  }
  if (document.signature.size() != signature_bytes) return zone_config_refused("its signature is not 64 bytes");
  if (!verify_in_domain(*owner, zone_config_signature_domain, document.config, document.signature)) {
    return zone_config_refused("the owner's signature does not match (tampered, or signed by another key)");
  }
  return *config;
}

status check_zone_update(const zone_config& current, const zone_config& candidate) {
  if (candidate.zone_id != current.zone_id) {
    return zone_config_refused(fmt::format("it is for zone {}, not {}", candidate.zone_id, current.zone_id));
  }
  if (candidate.owner_key != current.owner_key) return zone_config_refused("it changes the owner key");
  if (candidate.version <= current.version) {
    return zone_config_refused(fmt::format("version {} is not newer than the version {} already held", candidate.version,
                               current.version));
  }
  if (canonical(candidate).state_nodes != canonical(current).state_nodes) {
    return zone_config_refused("it changes the state nodes (fixed when the zone was created; moving the zone state to other "
                   "nodes is not supported yet: replace a dead state node's machine under the same node_id)");
  }
  std::set<std::string> revoked(candidate.revoked_keys.begin(), candidate.revoked_keys.end());
  for (const auto& key : current.revoked_keys) {
    if (!revoked.count(key)) return zone_config_refused("it un-revokes key " + key);
  }
  for (const auto& node : current.nodes) {
    const auto* next = candidate.find(node.node_id);
    if (!next && !revoked.count(node.public_key)) {
      return zone_config_refused(fmt::format("node {} is removed but its key {} is not revoked", node.node_id, node.public_key));
    }
    if (next && next->public_key != node.public_key && !revoked.count(node.public_key)) {
      return zone_config_refused(fmt::format("node {} gets a new key but its old key {} is not revoked", node.node_id,
                                 node.public_key));
    }
  }
  return {};
}

status check_zone_member(const zone_config& config, const std::string& node_id, const public_key& key) {
  auto text = key.to_text();
  auto where = fmt::format("zone {} version {}", config.zone_id, config.version);
  if (std::find(config.revoked_keys.begin(), config.revoked_keys.end(), text) != config.revoked_keys.end()) {
    return status(status_code::permission_denied,
                  fmt::format("{} revokes this node's key {}: this machine was replaced or removed; to join "
                              "again, start with an empty data dir and be activated",
                              where, text));
  }
  const auto* node = config.find(node_id);
  if (!node) {
    return status(status_code::permission_denied,
                  fmt::format("{} does not list node {}: the owner activates it with bucky node activate", where,
                              node_id));
  }
  if (node->public_key != text) {
    return status(status_code::permission_denied,
                  fmt::format("{} lists node {} with key {}, not this node's key {}", where, node_id,
                              node->public_key, text));
  }
  return {};
}

}  // namespace bucky::net
