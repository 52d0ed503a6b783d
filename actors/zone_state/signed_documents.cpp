#include "actors/zone_state/signed_documents.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/zone_state/service_json.hpp"

namespace bucky {

namespace {

std::span<const std::uint8_t> as_span(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string sign_text(const net::key_pair& key, const char* domain, const std::string& bytes) {
  auto signature = net::sign_in_domain(key, domain, as_span(bytes));
  return net::to_base64url(signature);
}

bool verifies(const net::public_key& key, const char* domain, const std::string& bytes, const std::string& signature) {
  auto raw = net::from_base64url(signature, net::signature_bytes, "signature");
  return raw && net::verify_in_domain(key, domain, as_span(bytes), as_span(*raw));
}

}  // namespace

std::string user_signed_bytes(const user_record& user) {
  auto unsigned_user = user;
  unsigned_user.signature.clear();
  return user_document::render(unsigned_user);
}

std::string spec_signed_bytes(const service_spec& spec) {
  auto fields = service_spec_fields_json(spec);
  fields["signed_by"] = spec.signed_by;
  return fields.dump();
}

void sign_user(user_record& user, const net::key_pair& owner) {
  user.signature = sign_text(owner, user_signing_domain, user_signed_bytes(user));
}

void sign_spec(service_spec& spec, const std::string& signer_name, const net::key_pair& signer) {
  spec.signed_by = signer_name;
  spec.signature = sign_text(signer, spec_signing_domain, spec_signed_bytes(spec));
}

status verify_user(const user_record& user, const net::public_key& owner) {
  if (user.signature.empty()) {
    return status(status_code::permission_denied,
                  fmt::format("user {} is not signed by the owner: the owner adds users with bucky user add", user.name));
  }
  if (!verifies(owner, user_signing_domain, user_signed_bytes(user), user.signature)) {
    return status(status_code::permission_denied,
                  fmt::format("user {}: the signature is not the zone owner's (forged or altered record)", user.name));
  }
  return {};
}

spec_signers spec_signers_of(const net::public_key& owner, const std::vector<user_record>& users) {
  spec_signers out{{owner_signer, owner}};
  for (const auto& user : users) {
    if (user.role != "admin" || !verify_user(user, owner).is_ok()) continue;
    if (auto key = net::public_key::from_text(user.public_key)) out[user.name] = *key;
  }
  return out;
}

status verify_spec(const service_spec& spec, const spec_signers& signers) {
  if (spec.signed_by.empty() || spec.signature.empty()) {
    return status(status_code::permission_denied,
                  fmt::format("the spec of {} is not signed: write it with bucky service add (the owner's or an "
                              "admin's key signs it)",
                              spec.name));
  }
  auto signer = signers.find(spec.signed_by);
  if (signer == signers.end()) {
    return status(status_code::permission_denied,
                  fmt::format("the spec of {} is signed by {}, who is not the owner or an admin the owner signed",
                              spec.name, spec.signed_by.substr(0, 64)));
  }
  if (!verifies(signer->second, spec_signing_domain, spec_signed_bytes(spec), spec.signature)) {
    return status(status_code::permission_denied,
                  fmt::format("the spec of {}: the signature is not {}'s (forged or altered)", spec.name,
                              spec.signed_by));
  }
  return {};
}

}  // namespace bucky
