// Ed25519 identities of nodes and admins: key pairs, public keys in their stable
// text form (base64url without padding, 43 characters), signatures. Used by the
// handshake, the key file, and the peers file. Secret material is wiped on destroy.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "messages/common/status.hpp"

namespace bucky::net {

inline constexpr std::size_t public_key_bytes = 32;
inline constexpr std::size_t secret_key_bytes = 64;
inline constexpr std::size_t seed_bytes = 32;
inline constexpr std::size_t signature_bytes = 64;

using signature = std::array<std::uint8_t, signature_bytes>;

// libsodium must be initialized once per process; every user of net/ calls this.
void ensure_sodium();

std::string to_base64url(std::span<const std::uint8_t> bytes);
result<std::string> from_base64url(std::string_view text, std::size_t expected_bytes,
                                   const char* what);

struct public_key {
  std::array<std::uint8_t, public_key_bytes> bytes{};

  std::string to_text() const { return to_base64url(bytes); }
  static result<public_key> from_text(std::string_view text);
  bool operator==(const public_key&) const = default;
  auto operator<=>(const public_key&) const = default;
};

bool verify_signature(const public_key& signer, std::span<const std::uint8_t> message,
                      const signature& sig);

class key_pair;

// Signatures over a domain string followed by the message, so a signature made for
// one kind of document (zone config, activation) never verifies as another. The
// check is false for a signature of the wrong length too.
std::vector<std::uint8_t> sign_in_domain(const key_pair& signer, std::string_view domain,
                                         std::span<const std::uint8_t> message);
bool verify_in_domain(const public_key& signer, std::string_view domain, std::span<const std::uint8_t> message,
                      std::span<const std::uint8_t> signature_bytes_in);

class key_pair {
 public:
  static key_pair generate();
  static key_pair from_seed(std::span<const std::uint8_t, seed_bytes> seed);

  key_pair(const key_pair& other);
  key_pair& operator=(const key_pair& other);
  ~key_pair();

  const public_key& public_part() const { return public_; }
  signature sign(std::span<const std::uint8_t> message) const;
  // The 32-byte seed the pair derives from: what the key file stores.
  std::array<std::uint8_t, seed_bytes> seed() const;

 private:
  key_pair() = default;
  public_key public_;
  std::array<std::uint8_t, secret_key_bytes> secret_{};
};

}  // namespace bucky::net
