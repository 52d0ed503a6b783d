// Issuing and checking activations (messages/activation.hpp).
//
//   sign_activation   the owner: binds node_id to the node's key, with the zone
//                     config that lists it, valid from issued to expires.
//   check_activation  the waiting node: the request decodes within limits; the zone
//                     config inside verifies (under `pinned_owner` when the node was
//                     started with one, else under the owner key it names) and is
//                     the same zone; the activation carries that owner's signature;
//                     it names this node's own key, under the node_id the zone config
//                     lists with that key; and `now` lies in [issued - skew, expires).
//                     Every refusal says which check failed and what to do.
#pragma once

#include <optional>
#include <string_view>

#include "messages/activation.hpp"
#include "net/keys.hpp"

namespace bucky::net {

inline constexpr std::string_view activation_signature_domain{"bucky activation v1\0", 20};

result<activation_request> sign_activation(const activation& body, const key_pair& owner);

struct checked_activation {
  activation body;
  zone_config config;
};

result<checked_activation> check_activation(const activation_request& request, const public_key& own_key,
                                            std::uint64_t now_unix_ms,
                                            const std::optional<public_key>& pinned_owner);

}  // namespace bucky::net
