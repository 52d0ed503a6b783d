// Signing and checking zone configs (messages/zone_config.hpp).
//
//   sign_zone_config    the owner signs the canonical encoding.
//   verify_zone_config  bytes from anywhere (a file, a peer, DNS) -> a config, only if
//                       it decodes within limits, is canonical, is valid, names the
//                       pinned owner key (when one is pinned) and carries that key's
//                       signature. Every refusal says which check failed.
//   check_zone_update   may `candidate` replace `current`? Same zone and owner, a
//                       higher version, the same state nodes, revoked keys stay
//                       revoked, and a node whose key changed or who was removed has
//                       its old key revoked.
#pragma once

#include <optional>

#include "messages/zone_config.hpp"
#include "net/keys.hpp"

namespace bucky::net {

inline constexpr std::string_view zone_config_signature_domain{"bucky zone_config v1\0", 21};

result<signed_zone_config> sign_zone_config(const zone_config& config, const key_pair& owner);

result<zone_config> verify_zone_config(const signed_zone_config& document,
                                       const std::optional<public_key>& pinned_owner);

status check_zone_update(const zone_config& current, const zone_config& candidate);

// Is this node (node_id, key) a member of the zone under `config`? Refusals say
// whether it is unknown, revoked or replaced by another key.
status check_zone_member(const zone_config& config, const std::string& node_id, const public_key& key);

}  // namespace bucky::net
