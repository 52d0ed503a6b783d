// The zone's own certificate authority and the certificates its gateways serve
// (issue 21). Browsers do not speak Ed25519 in TLS, so these are ECDSA P-256, made
// with OpenSSL:
//
//   the zone CA   self-signed, made by the owner's CLI at zone creation and kept
//                 beside the owner key; its certificate is what a person installs
//                 on their devices (bucky zone ca-cert). It is name-constrained to
//                 the zone id: even installed as a root, it can vouch only for
//                 <zone_id> and names under it.
//   a node's      issued by the zone CA for <zone_id>, *.<zone_id> and
//   certificate   <node_id>.<zone_id>, with a fresh key that only the node can open
//                 (gateway_tls.hpp seals it to the node's key).
//
// Everything is PEM text. Errors say which step of OpenSSL failed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/common/status.hpp"

namespace bucky::net {

inline constexpr std::uint64_t zone_ca_lifetime_days = 3650;
inline constexpr std::uint64_t node_cert_lifetime_days = 365;
inline constexpr std::size_t pem_bytes_max = 64 * 1024;

struct pem_pair {
  std::string cert_pem;
  std::string key_pem;
};

result<pem_pair> make_zone_ca(const std::string& zone_id, std::uint64_t now_unix_s);

// A server certificate for `names` (DNS names; "*.x" wildcards), signed by `ca`.
result<pem_pair> issue_server_cert(const pem_pair& ca, const std::vector<std::string>& names,
                                   std::uint64_t now_unix_s, std::uint64_t lifetime_days = node_cert_lifetime_days);

struct cert_facts {
  std::vector<std::string> dns_names;
  std::string subject;
  std::uint64_t not_before_unix_s = 0;
  std::uint64_t not_after_unix_s = 0;
  std::string sha256_hex;  // of the DER: what `openssl x509 -fingerprint -sha256` shows
};

// The first certificate of a PEM chain.
result<cert_facts> read_cert(const std::string& cert_pem);

// The chain's first certificate is for `key_pem`'s key, and every certificate in it
// is within its validity at now_unix_s.
status check_cert_and_key(const std::string& cert_pem, const std::string& key_pem, std::uint64_t now_unix_s);

// Does the first certificate of `cert_pem` carry a signature by `ca_cert_pem`'s key?
bool issued_by(const std::string& cert_pem, const std::string& ca_cert_pem);

}  // namespace bucky::net
