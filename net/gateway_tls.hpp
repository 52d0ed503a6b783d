// How a node's gateway gets its certificate and key through the zone state
// (issue 21). The owner's CLI issues a node's certificate with the zone CA and
// writes it, with the key sealed to that node's Ed25519 key (libsodium sealed box,
// to the key's X25519 form), at /system/tls/nodes/<node_id>:
//
//   {"format": 1, "node": "<node_id>", "cert_pem": "<chain>", "sealed_key": "<base64url>"}
//
// /system/ is written by the owner only, and only the node can open its key: the
// other nodes, readers of the zone state and a backup see the certificate, not the
// key. The zone CA's certificate is at /system/tls/ca (PEM), for devices to install.
#pragma once

#include <string>
#include <string_view>

#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::net {

inline constexpr const char* tls_ca_key = "/system/tls/ca";
inline constexpr const char* tls_nodes_prefix = "/system/tls/nodes/";
inline std::string tls_node_key(const std::string& node_id) { return tls_nodes_prefix + node_id; }

struct node_tls_document {
  std::string node;
  std::string cert_pem;
  std::string sealed_key;  // raw sealed-box bytes
};

std::string render_node_tls(const node_tls_document& document);
result<node_tls_document> parse_node_tls(std::string_view json_text);

// Seals `key_pem` so that only `node` opens it.
std::string seal_for_node(const std::string& key_pem, const public_key& node);
// The key PEM, or permission_denied when it was not sealed to `node`.
result<std::string> open_as_node(const std::string& sealed, const key_pair& node);

}  // namespace bucky::net
