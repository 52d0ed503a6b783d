#include "net/sealed_box.hpp"

#include <sodium.h>

#include <array>

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky::net {

static_assert(sealed_box_overhead_bytes == crypto_box_SEALBYTES);

std::vector<std::uint8_t> seal_to(const public_key& recipient, std::span<const std::uint8_t> plain) {
  ensure_sodium();
  std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> x25519{};
  BUCKY_CHECK(crypto_sign_ed25519_pk_to_curve25519(x25519.data(), recipient.bytes.data()) == 0);
  std::vector<std::uint8_t> sealed(plain.size() + crypto_box_SEALBYTES);
  BUCKY_CHECK(crypto_box_seal(sealed.data(), plain.data(), plain.size(), x25519.data()) == 0);
  return sealed;
}

result<std::vector<std::uint8_t>> open_sealed(const key_pair& recipient, std::span<const std::uint8_t> sealed,
                                              std::size_t plain_bytes_max) {
  ensure_sodium();
  if (sealed.size() <= crypto_box_SEALBYTES) {
    return status(status_code::permission_denied, fmt::format("{} sealed bytes: too few to hold anything", sealed.size()));
  }
  if (sealed.size() - crypto_box_SEALBYTES > plain_bytes_max) {
    return status(status_code::invalid_argument,
                  fmt::format("{} sealed bytes: more than the {} expected", sealed.size(), plain_bytes_max));
  }
  auto seed = recipient.seed();
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> ed_public{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> ed_secret{};
  crypto_sign_seed_keypair(ed_public.data(), ed_secret.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> x_public{};
  std::array<std::uint8_t, crypto_box_SECRETKEYBYTES> x_secret{};
  const bool converted = crypto_sign_ed25519_pk_to_curve25519(x_public.data(), ed_public.data()) == 0 &&
                         crypto_sign_ed25519_sk_to_curve25519(x_secret.data(), ed_secret.data()) == 0;
  sodium_memzero(ed_secret.data(), ed_secret.size());
  BUCKY_CHECK(converted);
  std::vector<std::uint8_t> plain(sealed.size() - crypto_box_SEALBYTES);
  const int opened = crypto_box_seal_open(plain.data(), sealed.data(), sealed.size(), x_public.data(), x_secret.data());
  sodium_memzero(x_secret.data(), x_secret.size());
  if (opened != 0) return status(status_code::permission_denied, "not sealed to this key, or altered");
  return plain;
}

}  // namespace bucky::net
