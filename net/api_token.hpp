// Bearer tokens for the HTTP API (issue 7): a person's key signs "this is <name> in
// <zone> until <expiry>", so a script can call the etcd-compatible API with curl
// without holding the key, and no secret is stored on any node. The node checks the
// signature against the key it already trusts for that name (the owner, or a user
// of /users/), and the expiry against its clock (a token's lifetime is bounded).
//
//   bucky1.<name>.<expires_unix_s>.<base64url signature>
//   signature: Ed25519 over "bucky api token v1\0" + zone_id + "\0" + name + "\0" + expiry
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::net {

inline constexpr std::uint64_t api_token_lifetime_s_max = 90ull * 24 * 3600;

std::string make_api_token(const key_pair& signer, const std::string& zone_id, const std::string& name,
                           std::uint64_t expires_unix_s);

struct api_token_claim {
  std::string name;
  std::uint64_t expires_unix_s = 0;
};

// The name it claims, before any signature check (to find the key to check with).
result<api_token_claim> read_api_token(std::string_view token);

// Signed by `signer` for `zone_id`, not expired at now_unix_s, not valid for longer
// than the lifetime bound. Refusals say which.
status check_api_token(std::string_view token, const std::string& zone_id, const public_key& signer,
                       std::uint64_t now_unix_s);

// The time part of that check alone: not expired, not valid for too long.
status check_api_token_lifetime(const api_token_claim& claim, std::uint64_t now_unix_s);

}  // namespace bucky::net
