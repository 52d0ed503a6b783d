#include "net/gateway_tls.hpp"

#include <sodium.h>

#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "messages/common/check.hpp"
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
  ensure_sodium();
  std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> x25519{};
  BUCKY_CHECK(crypto_sign_ed25519_pk_to_curve25519(x25519.data(), node.bytes.data()) == 0);
  std::string sealed(key_pem.size() + crypto_box_SEALBYTES, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()),
                  reinterpret_cast<const unsigned char*>(key_pem.data()), key_pem.size(), x25519.data());
  return sealed;
}

result<std::string> open_as_node(const std::string& sealed, const key_pair& node) {
  ensure_sodium();
  status refused(status_code::permission_denied, "the TLS key was not sealed to this node's key");
  if (sealed.size() <= crypto_box_SEALBYTES || sealed.size() > pem_bytes_max) return refused;
  auto seed = node.seed();
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> ed_public{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> ed_secret{};
  crypto_sign_seed_keypair(ed_public.data(), ed_secret.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> x_public{};
  std::array<std::uint8_t, crypto_box_SECRETKEYBYTES> x_secret{};
  crypto_sign_ed25519_pk_to_curve25519(x_public.data(), ed_public.data());
  crypto_sign_ed25519_sk_to_curve25519(x_secret.data(), ed_secret.data());
  sodium_memzero(ed_secret.data(), ed_secret.size());
  std::string opened(sealed.size() - crypto_box_SEALBYTES, '\0');
  int result_code = crypto_box_seal_open(reinterpret_cast<unsigned char*>(opened.data()),
                                         reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                                         x_public.data(), x_secret.data());
  sodium_memzero(x_secret.data(), x_secret.size());
  if (result_code != 0) return refused;
  return opened;
}

}  // namespace bucky::net
