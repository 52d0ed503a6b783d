#include "apps/bucky/zone_tls.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "actors/zone_state/system_config.hpp"
#include "apps/bucky/commands.hpp"
#include "apps/bucky/key_paths.hpp"
#include "net/gateway_tls.hpp"
#include "net/tls_certs.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::cli {

namespace {

constexpr std::uint64_t renew_before_s = 30ull * 86'400;

std::uint64_t now_unix_s() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::string owner_key_path_of(const cli_options& options, const std::string& zone_id) {
  return options.key_path.empty() ? default_owner_key_path(zone_id) : options.key_path;
}

result<net::pem_pair> load_zone_ca(const std::string& owner_key_path, const std::string& zone_id) {
  auto cert = read_small_file(zone_ca_cert_path(owner_key_path, zone_id));
  if (!cert) return cert.error();
  auto key = read_small_file(zone_ca_key_path(owner_key_path, zone_id));
  if (!key) return key.error();
  return net::pem_pair{*cert, *key};
}

kv_op put_text(const std::string& key, const std::string& value) {
  kv_op op;
  op.kind = kv_op_kind::put;
  op.key = key;
  op.value = value;
  return op;
}

// Reads one key's value ("" when absent).
result<std::string> read_value(admin_session& session, const cli_options& options, const std::string& key) {
  auto answer = kv_call(session, options, read_document_request(key));
  if (!answer) return answer.error();
  auto raw = read_document_answer(key, answer->response);
  if (!raw) return raw.error();
  return *raw ? (*raw)->value : std::string();
}

// Does the node's document still serve: issued by `ca`, its key sealed to the
// node, for the zone's names, not near its end?
bool still_good(const std::string& stored, const std::string& ca_cert_pem, const std::string& zone_id) {
  auto document = net::parse_node_tls(stored);
  if (!document || !net::issued_by(document->cert_pem, ca_cert_pem)) return false;
  auto facts = net::read_cert(document->cert_pem);
  if (!facts || facts->not_after_unix_s < now_unix_s() + renew_before_s) return false;
  auto& names = facts->dns_names;
  return std::find(names.begin(), names.end(), "*." + zone_id) != names.end();
}

// The home nodes (or the one named): a gateway node relays TLS it cannot read and
// gets no key.
std::vector<const net::peer_entry*> chosen_nodes(const admin_session& session, const std::string& only) {
  std::vector<const net::peer_entry*> out;
  for (const auto& entry : session.peers.entries()) {
    if (entry.identity.role != net::peer_identity::kind::node || entry.gateway) continue;
    if (only.empty() || entry.identity.name == only) out.push_back(&entry);
  }
  return out;
}

result<admin_session> owner_session(const cli_options& options) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return session.error();
  if (session->name != net::owner_admin_name) {
    return status(status_code::permission_denied,
                  "only the owner key manages the zone's certificates (--key OWNER.key)");
  }
  return session;
}

int write_documents(admin_session& session, const cli_options& options, kv_request& request, std::size_t count) {
  if (request.success.empty()) {
    std::cout << "every node's certificate is in place and valid for 30 days or more (--force issues anew)\n";
    return 0;
  }
  auto answer = kv_call(session, options, request);
  if (!answer) return fail_with(answer.error());
  std::cout << fmt::format("{} node certificate(s) written; gateways serve them within a few seconds\n", count);
  return 0;
}

}  // namespace

std::string zone_ca_cert_path(const std::string& owner_key_path, const std::string& zone_id) {
  return (std::filesystem::path(owner_key_path).parent_path() / (zone_id + ".ca.pem")).string();
}

std::string zone_ca_key_path(const std::string& owner_key_path, const std::string& zone_id) {
  return (std::filesystem::path(owner_key_path).parent_path() / (zone_id + ".ca.key")).string();
}

result<std::string> ensure_zone_ca(const std::string& owner_key_path, const std::string& zone_id) {
  auto cert_path = zone_ca_cert_path(owner_key_path, zone_id);
  auto key_path = zone_ca_key_path(owner_key_path, zone_id);
  if (std::filesystem::exists(cert_path) && std::filesystem::exists(key_path)) return cert_path;
  auto ca = net::make_zone_ca(zone_id, now_unix_s());
  if (!ca) return ca.error();
  if (auto written = write_file_atomically(key_path, ca->key_pem, 0600); !written.is_ok()) return written;
  if (auto written = write_file_atomically(cert_path, ca->cert_pem, 0644); !written.is_ok()) return written;
  return cert_path;
}

int zone_ca_cert_command(const cli_options& options, const zone_tls_options& tls) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  auto pem = read_value(*session, options, net::tls_ca_key);
  if (!pem) return fail_with(pem.error());
  if (pem->empty()) {
    return fail(1, fmt::format("zone {} has no certificate authority in its state yet: the owner runs bucky zone tls "
                               "issue", session->zone_id));
  }
  auto facts = net::read_cert(*pem);
  if (!facts) return fail(1, "the zone's CA certificate at /system/tls/ca is unreadable: " + facts.error().message());
  if (!tls.out_path.empty()) {
    if (auto written = write_file_atomically(tls.out_path, *pem, 0644); !written.is_ok()) return fail_with(written);
    std::cerr << fmt::format("{} written: install it as a trusted root on your devices (SHA-256 {})\n", tls.out_path,
                             facts->sha256_hex);
    return 0;
  }
  std::cout << *pem;
  return 0;
}

int zone_tls_issue_command(const cli_options& options, const zone_tls_options& tls) {
  auto session = owner_session(options);
  if (!session) return fail_with(session.error());
  auto owner_key_path = owner_key_path_of(options, session->zone_id);
  if (auto made = ensure_zone_ca(owner_key_path, session->zone_id); !made) return fail_with(made.error());
  auto ca = load_zone_ca(owner_key_path, session->zone_id);
  if (!ca) return fail_with(ca.error());
  auto nodes = chosen_nodes(*session, tls.node);
  if (nodes.empty()) {
    return fail(2, fmt::format("no home node {} in the zone (bucky node list; a gateway node holds no TLS key)", tls.node));
  }
  kv_request request;
  auto stored_ca = read_value(*session, options, net::tls_ca_key);
  if (!stored_ca) return fail_with(stored_ca.error());
  if (*stored_ca != ca->cert_pem) request.success.push_back(put_text(net::tls_ca_key, ca->cert_pem));
  std::size_t issued = 0;
  for (const auto* node : nodes) {
    const auto& id = node->identity.name;
    auto stored = read_value(*session, options, net::tls_node_key(id));
    if (!stored) return fail_with(stored.error());
    if (!tls.force && still_good(*stored, ca->cert_pem, session->zone_id)) continue;
    auto pair = net::issue_server_cert(*ca, {session->zone_id, "*." + session->zone_id, id + "." + session->zone_id},
                                       now_unix_s());
    if (!pair) return fail_with(pair.error());
    net::node_tls_document document{id, pair->cert_pem, net::seal_for_node(pair->key_pem, node->identity.key)};
    request.success.push_back(put_text(net::tls_node_key(id), net::render_node_tls(document)));
    ++issued;
  }
  return write_documents(*session, options, request, issued);
}

int zone_tls_load_command(const cli_options& options, const zone_tls_options& tls) {
  auto cert = read_small_file(tls.cert_path);
  if (!cert) return fail(2, fmt::format("--cert {}: {}", tls.cert_path, cert.error().message()));
  auto key = read_small_file(tls.key_path);
  if (!key) return fail(2, fmt::format("--key-file {}: {}", tls.key_path, key.error().message()));
  if (auto ok = net::check_cert_and_key(*cert, *key, now_unix_s()); !ok.is_ok()) {
    return fail(2, fmt::format("--cert {} with --key-file {}: {}", tls.cert_path, tls.key_path, ok.message()));
  }
  auto session = owner_session(options);
  if (!session) return fail_with(session.error());
  auto nodes = chosen_nodes(*session, tls.node);
  if (nodes.empty()) {
    return fail(2, fmt::format("no home node {} in the zone (bucky node list; a gateway node holds no TLS key)", tls.node));
  }
  kv_request request;
  for (const auto* node : nodes) {
    net::node_tls_document document{node->identity.name, *cert, net::seal_for_node(*key, node->identity.key)};
    request.success.push_back(put_text(net::tls_node_key(node->identity.name), net::render_node_tls(document)));
  }
  return write_documents(*session, options, request, nodes.size());
}

}  // namespace bucky::cli
