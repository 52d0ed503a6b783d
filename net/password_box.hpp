// A person's Ed25519 key sealed under their password, so they can sign in from a
// browser without a key file (issue 21). What the zone stores at /logins/<name>:
//
//   {"format": 1, "public_key": "<base64url>", "salt": "<base64url 16>",
//    "ops": 3, "mem_bytes": 268435456, "nonce": "<base64url 24>",
//    "sealed_seed": "<base64url 48>"}
//
// The password goes through Argon2id (libsodium crypto_pwhash) into a 32-byte key
// that opens the seed (XSalsa20-Poly1305, crypto_secretbox): a wrong password is an
// authentication failure, there is no separate verifier to attack, and nothing
// stored gives the key without the password. The cost parameters are stored, so
// they can be raised later without breaking existing logins; opening refuses costs
// beyond the bounds below (a forged record must not make a node spend minutes or
// gigabytes per login attempt) and below the minimum (a record weakened on purpose).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::net {

inline constexpr std::size_t password_bytes_min = 8;
inline constexpr std::size_t password_bytes_max = 1024;
inline constexpr std::size_t password_record_bytes_max = 2048;

struct password_cost {
  std::uint64_t ops = 3;                    // crypto_pwhash_OPSLIMIT_MODERATE
  std::uint64_t mem_bytes = 256ull << 20;   // crypto_pwhash_MEMLIMIT_MODERATE
};
inline constexpr password_cost password_cost_min{2, 64ull << 20};
inline constexpr password_cost password_cost_max{8, 1ull << 30};

// Empty when fine; otherwise what is wrong with it (too short, too long, NUL byte).
std::string password_problem(std::string_view password);

// The record's JSON. `cost` at least password_cost_min (tests use the minimum).
result<std::string> seal_key_with_password(const key_pair& key, std::string_view password,
                                           password_cost cost = {});

struct password_record {
  public_key key;
  std::uint64_t ops = 0;
  std::uint64_t mem_bytes = 0;
  std::string salt;         // raw bytes
  std::string nonce;        // raw bytes
  std::string sealed_seed;  // raw bytes
};

// Checks shape and bounds; the error names the field.
result<password_record> parse_password_record(std::string_view json_text);

// The key, or permission_denied "wrong password" (also when the record's seed does
// not give its public key: a record swapped between users opens as a wrong password).
result<key_pair> open_with_password(const password_record& record, std::string_view password);

}  // namespace bucky::net
