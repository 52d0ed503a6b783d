// bucky zone ca-cert, bucky zone tls issue|load: the zone's certificate authority
// and the certificates the nodes' gateways serve (net/tls_certs.hpp,
// net/gateway_tls.hpp). The CA's key stays with the owner key, never on a node.
#pragma once

#include <string>

#include "apps/bucky/session.hpp"

namespace bucky::cli {

struct zone_tls_options {
  std::string node;       // only this node ("" every node)
  bool force = false;     // issue anew even when the one in place is good
  std::string cert_path;  // load: a chain from elsewhere (an ACME client's)
  std::string key_path;   // load: its key
  std::string out_path;   // ca-cert: write here instead of stdout
};

// <dir of the owner key>/<zone_id>.ca.pem and .ca.key.
std::string zone_ca_cert_path(const std::string& owner_key_path, const std::string& zone_id);
std::string zone_ca_key_path(const std::string& owner_key_path, const std::string& zone_id);

// Makes the zone CA's files beside the owner key unless they exist. Its message
// says where they are (or what failed).
result<std::string> ensure_zone_ca(const std::string& owner_key_path, const std::string& zone_id);

int zone_ca_cert_command(const cli_options& options, const zone_tls_options& tls);
int zone_tls_issue_command(const cli_options& options, const zone_tls_options& tls);
int zone_tls_load_command(const cli_options& options, const zone_tls_options& tls);

}  // namespace bucky::cli
