#include "net/password_box.hpp"

#include <sodium.h>

#include <array>

#include <fmt/format.h>
#include "messages/common/check.hpp"
#include <nlohmann/json.hpp>

namespace bucky::net {

namespace {

using json = nlohmann::json;

constexpr int password_record_format = 1;

std::string as_text(const std::uint8_t* bytes, std::size_t size) {
  return to_base64url(std::span<const std::uint8_t>(bytes, size));
}

status record_error(const std::string& what) {
  return status(status_code::invalid_argument, "login record: " + what);
}

result<std::string> field_bytes(const json& doc, const char* name, std::size_t size) {
  auto found = doc.find(name);
  if (found == doc.end() || !found->is_string()) return record_error(fmt::format("\"{}\" missing or not text", name));
  auto text = found->get<std::string>();
  return from_base64url(text, size, name);
}

result<std::uint64_t> field_number(const json& doc, const char* name, std::uint64_t low, std::uint64_t high) {
  auto found = doc.find(name);
  if (found == doc.end() || !found->is_number_unsigned()) {
    return record_error(fmt::format("\"{}\" missing or not a number", name));
  }
  auto value = found->get<std::uint64_t>();
  if (value < low || value > high) {
    return record_error(fmt::format("\"{}\" {} outside [{}, {}]", name, value, low, high));
  }
  return value;
}

// Argon2id of the password into a secretbox key.
bool derive_box_key(std::string_view password, const std::string& salt, std::uint64_t ops,
                    std::uint64_t mem_bytes, std::array<std::uint8_t, crypto_secretbox_KEYBYTES>& out) {
  return crypto_pwhash(out.data(), out.size(), password.data(), password.size(),
                       reinterpret_cast<const unsigned char*>(salt.data()), ops, mem_bytes,
                       crypto_pwhash_ALG_ARGON2ID13) == 0;
}

}  // namespace

std::string password_problem(std::string_view password) {
  if (password.size() < password_bytes_min) {
    return fmt::format("a password needs at least {} characters (this one has {})", password_bytes_min,
                       password.size());
  }
  if (password.size() > password_bytes_max) {
    return fmt::format("a password may have at most {} bytes (this one has {})", password_bytes_max, password.size());
  }
  if (password.find('\0') != std::string_view::npos) return "a password may not contain a NUL byte";
  return "";
}

result<std::string> seal_key_with_password(const key_pair& key, std::string_view password, password_cost cost) {
  ensure_sodium();
  if (auto problem = password_problem(password); !problem.empty()) {
    return status(status_code::invalid_argument, problem);
  }
  BUCKY_CHECK(cost.ops >= password_cost_min.ops && cost.mem_bytes >= password_cost_min.mem_bytes);
  std::string salt(crypto_pwhash_SALTBYTES, '\0');
  randombytes_buf(salt.data(), salt.size());
  std::array<std::uint8_t, crypto_secretbox_NONCEBYTES> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  std::array<std::uint8_t, crypto_secretbox_KEYBYTES> box_key{};
  if (!derive_box_key(password, salt, cost.ops, cost.mem_bytes, box_key)) {
    return status(status_code::unavailable, "Argon2id could not get its memory; retry on a machine with more");
  }
  auto seed = key.seed();
  std::array<std::uint8_t, seed_bytes + crypto_secretbox_MACBYTES> sealed{};
  crypto_secretbox_easy(sealed.data(), seed.data(), seed.size(), nonce.data(), box_key.data());
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(box_key.data(), box_key.size());
  json doc{{"format", password_record_format},
           {"public_key", key.public_part().to_text()},
           {"salt", as_text(reinterpret_cast<const std::uint8_t*>(salt.data()), salt.size())},
           {"ops", cost.ops},
           {"mem_bytes", cost.mem_bytes},
           {"nonce", as_text(nonce.data(), nonce.size())},
           {"sealed_seed", as_text(sealed.data(), sealed.size())}};
  return doc.dump();
}

result<password_record> parse_password_record(std::string_view json_text) {
  if (json_text.size() > password_record_bytes_max) {
    return record_error(fmt::format("{} bytes, more than {}", json_text.size(), password_record_bytes_max));
  }
  auto doc = json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return record_error("not a JSON object");
  auto format = doc.find("format");
  if (format == doc.end() || *format != password_record_format) {
    return record_error(fmt::format("\"format\" must be {}", password_record_format));
  }
  password_record record;
  auto key_text = doc.find("public_key");
  if (key_text == doc.end() || !key_text->is_string()) return record_error("\"public_key\" missing or not text");
  auto key = public_key::from_text(key_text->get<std::string>());
  if (!key) return record_error("\"public_key\": " + key.error().message());
  record.key = *key;
  auto ops = field_number(doc, "ops", password_cost_min.ops, password_cost_max.ops);
  if (!ops) return ops.error();
  auto mem = field_number(doc, "mem_bytes", password_cost_min.mem_bytes, password_cost_max.mem_bytes);
  if (!mem) return mem.error();
  record.ops = *ops;
  record.mem_bytes = *mem;
  auto salt = field_bytes(doc, "salt", crypto_pwhash_SALTBYTES);
  if (!salt) return salt.error();
  auto nonce = field_bytes(doc, "nonce", crypto_secretbox_NONCEBYTES);
  if (!nonce) return nonce.error();
  auto sealed = field_bytes(doc, "sealed_seed", seed_bytes + crypto_secretbox_MACBYTES);
  if (!sealed) return sealed.error();
  record.salt = std::move(*salt);
  record.nonce = std::move(*nonce);
  record.sealed_seed = std::move(*sealed);
  return record;
}

result<key_pair> open_with_password(const password_record& record, std::string_view password) {
  ensure_sodium();
  status wrong(status_code::permission_denied, "wrong password");
  if (!password_problem(password).empty()) return wrong;
  BUCKY_CHECK(record.salt.size() == crypto_pwhash_SALTBYTES && record.nonce.size() == crypto_secretbox_NONCEBYTES);
  BUCKY_CHECK(record.sealed_seed.size() == seed_bytes + crypto_secretbox_MACBYTES);
  std::array<std::uint8_t, crypto_secretbox_KEYBYTES> box_key{};
  if (!derive_box_key(password, record.salt, record.ops, record.mem_bytes, box_key)) {
    return status(status_code::unavailable, "Argon2id could not get its memory for this login; retry");
  }
  std::array<std::uint8_t, seed_bytes> seed{};
  int opened = crypto_secretbox_open_easy(seed.data(), reinterpret_cast<const unsigned char*>(record.sealed_seed.data()),
                                          record.sealed_seed.size(),
                                          reinterpret_cast<const unsigned char*>(record.nonce.data()), box_key.data());
  sodium_memzero(box_key.data(), box_key.size());
  if (opened != 0) return wrong;
  auto key = key_pair::from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  if (!(key.public_part() == record.key)) return wrong;
  return key;
}

}  // namespace bucky::net
