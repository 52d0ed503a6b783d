#include "net/gateway_tls.hpp"


#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "messages/common/check.hpp"
#include "net/sealed_box.hpp"
#include "net/tls_certs.hpp"

namespace bucky::net {

namespace {

using json = nlohmann::json;

constexpr int node_tls_format = 1;

status tls_document_error(const std::string& what) {
  return status(status_code::invalid_argument, "node TLS document: " + what);
}

}  // namespace

std::string render_node_tls(const node_tls_document& document) {
  auto bytes = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(document.sealed_key.data()),
                                             document.sealed_key.size());
  return json{{"format", node_tls_format},
              {"node", document.node},
              {"cert_pem", document.cert_pem},
              {"sealed_key", to_base64url(bytes)}}
      .dump();
}

result<node_tls_document> parse_node_tls(std::string_view json_text) {
  if (json_text.size() > 3 * pem_bytes_max) return tls_document_error("larger than 192 KiB");
  auto doc = json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return tls_document_error("not a JSON object");
  if (doc.value("format", 0) != node_tls_format) return tls_document_error("\"format\" must be 1");
  node_tls_document out;
  for (auto [name, target] : {std::pair<const char*, std::string*>{"node", &out.node}, {"cert_pem", &out.cert_pem}}) {
    auto found = doc.find(name);
    if (found == doc.end() || !found->is_string()) return tls_document_error(fmt::format("\"{}\" missing", name));
    *target = found->get<std::string>();
  }
  auto sealed = doc.find("sealed_key");
  if (sealed == doc.end() || !sealed->is_string()) return tls_document_error("\"sealed_key\" missing");
  auto text = sealed->get<std::string>();
  // Any length: the size of a PEM key varies. Decode by expecting what the text holds.
  auto bytes = from_base64url(text, text.size() * 3 / 4, "sealed_key");
  if (!bytes) return tls_document_error(bytes.error().message());
  out.sealed_key = std::move(*bytes);
  return out;
}

std::string seal_for_node(const std::string& key_pem, const public_key& node) {
  auto sealed = seal_to(node, std::span(reinterpret_cast<const std::uint8_t*>(key_pem.data()), key_pem.size()));
  return std::string(sealed.begin(), sealed.end());
}

result<std::string> open_as_node(const std::string& sealed, const key_pair& node) {
  auto opened = open_sealed(node, std::span(reinterpret_cast<const std::uint8_t*>(sealed.data()), sealed.size()),
                            pem_bytes_max);
  if (!opened) return status(status_code::permission_denied, "the TLS key was not sealed to this node's key");
  return std::string(opened->begin(), opened->end());
}

}  // namespace bucky::net
