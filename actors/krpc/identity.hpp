// An app instance's identity for kRPC (DESIGN §10.2): who it is, signed by the node
// that runs it. The node writes it into the app's sandbox (/run/bucky/identity,
// readable only by the app's uid) when it starts the app and renews it before it
// expires; the app sends it with every kRPC call (Authorization: Bucky <identity>),
// and the node checks it on every call: its own signature, not expired, and the
// same app as the endpoint the call came in on. A token read out of another app's
// sandbox is useless at this app's endpoint, and the other's endpoint is not in
// this sandbox.
//
//   identity = base64url(JSON {"app", "instance", "node", "zone", "issued_unix_s",
//                              "expires_unix_s"}) "." base64url(Ed25519 signature)
//
// Plain code: time is an argument.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::krpc {

inline constexpr const char* identity_signing_domain = "bucky-app-identity-v1";
inline constexpr std::int64_t identity_valid_s = 24 * 3600;
inline constexpr std::int64_t identity_renew_after_s = 12 * 3600;  // the node writes a new one then
inline constexpr std::size_t identity_bytes_max = 2048;

struct app_identity {
  std::string app;
  std::string instance;  // "notes/0"
  std::string node;
  std::string zone;
  std::int64_t issued_unix_s = 0;
  std::int64_t expires_unix_s = 0;
  bool operator==(const app_identity&) const = default;
};

std::string issue_identity(const app_identity& identity, const net::key_pair& node_key);

// The identity if `text` is one `node_key` signed and it is not expired at now_unix_s.
result<app_identity> verify_identity(std::string_view text, const net::public_key& node_key, std::int64_t now_unix_s);

}  // namespace bucky::krpc
