#include "actors/krpc/identity.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bucky::krpc {

namespace {

using json = nlohmann::json;

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

status identity_refused(const std::string& why) {
  return status(status_code::permission_denied, "kRPC identity: " + why + " (read /run/bucky/identity again)");
}

}  // namespace

std::string issue_identity(const app_identity& identity, const net::key_pair& node_key) {
  const std::string payload = json{{"app", identity.app},
                                   {"instance", identity.instance},
                                   {"node", identity.node},
                                   {"zone", identity.zone},
                                   {"issued_unix_s", identity.issued_unix_s},
                                   {"expires_unix_s", identity.expires_unix_s}}
                                  .dump();
  const std::string encoded = net::to_base64url(bytes_of(payload));
  const auto sig = net::sign_in_domain(node_key, identity_signing_domain, bytes_of(encoded));
  return encoded + "." + net::to_base64url(sig);
}

result<app_identity> verify_identity(std::string_view text, const net::public_key& node_key, std::int64_t now_unix_s) {
  if (text.size() > identity_bytes_max) return identity_refused("too long");
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return identity_refused("not an identity (payload.signature)");
  const std::string_view encoded = text.substr(0, dot);
  auto sig = net::from_base64url(text.substr(dot + 1), net::signature_bytes, "signature");
  if (!sig || !net::verify_in_domain(node_key, identity_signing_domain, bytes_of(encoded), bytes_of(*sig))) {
    return identity_refused("not signed by this node");
  }
  // Base64url without padding: n characters hold n * 6 / 8 whole bytes.
  auto decoded = net::from_base64url(encoded, encoded.size() * 6 / 8, "identity");
  if (!decoded) return identity_refused("its payload is not base64url");
  const std::string payload = std::move(*decoded);
  auto object = json::parse(payload, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return identity_refused("its payload is not JSON");
  app_identity out;
  try {
    out.app = object.at("app").get<std::string>();
    out.instance = object.at("instance").get<std::string>();
    out.node = object.at("node").get<std::string>();
    out.zone = object.at("zone").get<std::string>();
    out.issued_unix_s = object.at("issued_unix_s").get<std::int64_t>();
    out.expires_unix_s = object.at("expires_unix_s").get<std::int64_t>();
  } catch (const json::exception&) {
    return identity_refused("its payload misses a field");
  }
  if (now_unix_s >= out.expires_unix_s) return identity_refused(fmt::format("expired {} s ago", now_unix_s - out.expires_unix_s));
  return out;
}

}  // namespace bucky::krpc
