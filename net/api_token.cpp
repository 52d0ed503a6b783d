#include "net/api_token.hpp"

#include <fmt/format.h>

namespace bucky::net {

namespace {

constexpr std::string_view token_domain{"bucky api token v1\0", 19};
constexpr std::string_view prefix = "bucky1.";

std::string signed_text(const std::string& zone_id, const std::string& name, std::uint64_t expires) {
  return fmt::format("{}{}{}{}{}", zone_id, '\0', name, '\0', expires);
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

status token_refused(const std::string& why) { return status(status_code::permission_denied, "API token: " + why); }

}  // namespace

std::string make_api_token(const key_pair& signer, const std::string& zone_id, const std::string& name,
                           std::uint64_t expires_unix_s) {
  auto signature = sign_in_domain(signer, token_domain, bytes_of(signed_text(zone_id, name, expires_unix_s)));
  return fmt::format("{}{}.{}.{}", prefix, name, expires_unix_s, to_base64url(signature));
}

result<api_token_claim> read_api_token(std::string_view token) {
  if (token.substr(0, 7) == "Bearer ") token.remove_prefix(7);
  if (token.substr(0, prefix.size()) != prefix) return token_refused("not a bucky token (bucky api-token makes one)");
  token.remove_prefix(prefix.size());
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || dot1 == 0) return token_refused("malformed");
  api_token_claim claim;
  claim.name = std::string(token.substr(0, dot1));
  auto expiry = token.substr(dot1 + 1, dot2 - dot1 - 1);
  if (expiry.empty() || expiry.size() > 19 || expiry.find_first_not_of("0123456789") != std::string_view::npos) {
    return token_refused("malformed expiry");
  }
  claim.expires_unix_s = std::stoull(std::string(expiry));
  return claim;
}

status check_api_token(std::string_view token, const std::string& zone_id, const public_key& signer,
                       std::uint64_t now_unix_s) {
  auto claim = read_api_token(token);
  if (!claim) return claim.error();
  if (token.substr(0, 7) == "Bearer ") token.remove_prefix(7);
  auto signature_text = token.substr(token.rfind('.') + 1);
  if (signature_text.size() != 86) return token_refused("malformed signature");
  auto signature = from_base64url(signature_text, signature_bytes, "API token signature");
  if (!signature) return token_refused("malformed signature");
  if (!verify_in_domain(signer, token_domain, bytes_of(signed_text(zone_id, claim->name, claim->expires_unix_s)),
                        bytes_of(*signature))) {
    return token_refused(fmt::format("the signature is not {}'s for zone {}", claim->name, zone_id));
  }
  return check_api_token_lifetime(*claim, now_unix_s);
}

status check_api_token_lifetime(const api_token_claim& claim, std::uint64_t now_unix_s) {
  if (claim.expires_unix_s <= now_unix_s) return token_refused(fmt::format("expired {} s ago", now_unix_s - claim.expires_unix_s));
  if (claim.expires_unix_s - now_unix_s > api_token_lifetime_s_max) {
    return token_refused(fmt::format("valid for longer than {} days", api_token_lifetime_s_max / 86400));
  }
  return {};
}

}  // namespace bucky::net
