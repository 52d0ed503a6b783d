#include "net/keys.hpp"

#include <algorithm>

#include <sodium.h>

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky::net {

void ensure_sodium() {
  static const int initialized = sodium_init();
  BUCKY_CHECK_MSG(initialized >= 0, "libsodium failed to initialize");
}

std::string to_base64url(std::span<const std::uint8_t> bytes) {
  constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), variant);
  text.resize(text.size() - 1);  // the encoder's terminating NUL
  return text;
}

result<std::string> from_base64url(std::string_view text, std::size_t expected_bytes,
                                   const char* what) {
  std::string out(expected_bytes, '\0');
  std::size_t decoded = 0;
  const char* end = nullptr;
  int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                             text.data(), text.size(), nullptr, &decoded, &end,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  if (rc != 0 || end != text.data() + text.size() || decoded != expected_bytes) {
    return status(status_code::invalid_argument,
                  fmt::format("{} '{}' is not {} bytes of base64url (no padding)", what,
                              text.substr(0, 64), expected_bytes));
  }
  return out;
}

result<public_key> public_key::from_text(std::string_view text) {
  auto raw = from_base64url(text, public_key_bytes, "public key");
  if (!raw) return raw.error();
  public_key key;
  std::copy(raw->begin(), raw->end(), key.bytes.begin());
  return key;
}

bool verify_signature(const public_key& signer, std::span<const std::uint8_t> message,
                      const signature& sig) {
  ensure_sodium();
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(),
                                     signer.bytes.data()) == 0;
}

namespace {

std::vector<std::uint8_t> domain_and(std::string_view domain, std::span<const std::uint8_t> message) {
  std::vector<std::uint8_t> bytes(domain.begin(), domain.end());
  bytes.insert(bytes.end(), message.begin(), message.end());
  return bytes;
}

}  // namespace

std::vector<std::uint8_t> sign_in_domain(const key_pair& signer, std::string_view domain,
                                         std::span<const std::uint8_t> message) {
  auto sig = signer.sign(domain_and(domain, message));
  return {sig.begin(), sig.end()};
}

bool verify_in_domain(const public_key& signer, std::string_view domain, std::span<const std::uint8_t> message,
                      std::span<const std::uint8_t> signature_bytes_in) {
  if (signature_bytes_in.size() != signature_bytes) return false;
  signature sig;
  std::copy(signature_bytes_in.begin(), signature_bytes_in.end(), sig.begin());
  return verify_signature(signer, domain_and(domain, message), sig);
}

key_pair key_pair::generate() {
  ensure_sodium();
  std::array<std::uint8_t, seed_bytes> seed;
  randombytes_buf(seed.data(), seed.size());
  auto pair = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return pair;
}

key_pair key_pair::from_seed(std::span<const std::uint8_t, seed_bytes> seed) {
  ensure_sodium();
  key_pair pair;
  BUCKY_CHECK(crypto_sign_seed_keypair(pair.public_.bytes.data(), pair.secret_.data(),
                                       seed.data()) == 0);
  return pair;
}

key_pair::key_pair(const key_pair& other) : public_(other.public_), secret_(other.secret_) {}

key_pair& key_pair::operator=(const key_pair& other) {
  public_ = other.public_;
  secret_ = other.secret_;
  return *this;
}

key_pair::~key_pair() { sodium_memzero(secret_.data(), secret_.size()); }

signature key_pair::sign(std::span<const std::uint8_t> message) const {
  signature sig;
  BUCKY_CHECK(crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(),
                                   secret_.data()) == 0);
  return sig;
}

std::array<std::uint8_t, seed_bytes> key_pair::seed() const {
  std::array<std::uint8_t, seed_bytes> out;
  BUCKY_CHECK(crypto_sign_ed25519_sk_to_seed(out.data(), secret_.data()) == 0);
  return out;
}

}  // namespace bucky::net
