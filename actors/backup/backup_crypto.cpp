#include "actors/backup/backup_crypto.hpp"

#include <sodium.h>

#include <cstring>

#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "net/sealed_box.hpp"

namespace bucky::backup {

namespace {

constexpr std::string_view chunk_magic = "BKYCHNK1";
constexpr std::string_view document_magic = "BKYSNAP1";
constexpr std::string_view chunk_key_domain = "bucky backup chunk key v1";
constexpr std::string_view chunk_name_domain = "bucky backup chunk name v1";
constexpr std::string_view document_domain = "bucky backup document v1";
constexpr std::size_t tag_bytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t nonce_bytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t sealed_key_bytes = key_bytes + net::sealed_box_overhead_bytes;
// magic, writer, sealed key, nonce | ciphertext | signature
constexpr std::size_t document_head_bytes = 8 + net::public_key_bytes + sealed_key_bytes + nonce_bytes;
constexpr std::size_t document_overhead_bytes = document_head_bytes + tag_bytes + net::signature_bytes;

static_assert(key_bytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(sealed_chunk_overhead_bytes == chunk_magic.size() + tag_bytes);

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

void append(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// A chunk's key seals only that chunk's bytes: one nonce serves (the same key never
// seals two different messages).
constexpr std::array<std::uint8_t, nonce_bytes> chunk_nonce{};

status corrupt(const std::string& what) { return status(status_code::corruption, what); }

}  // namespace

chunk_key key_of_chunk(std::span<const std::uint8_t> plain) {
  net::ensure_sodium();
  chunk_key key{};
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, key.size());
  crypto_generichash_update(&state, bytes_of(chunk_key_domain).data(), chunk_key_domain.size());
  crypto_generichash_update(&state, plain.data(), plain.size());
  crypto_generichash_final(&state, key.data(), key.size());
  return key;
}

std::string target_chunk_name(const chunk_id& id, const backup_salt& salt) {
  net::ensure_sodium();
  std::array<std::uint8_t, 32> name{};
  crypto_generichash_state state;
  crypto_generichash_init(&state, salt.data(), salt.size(), name.size());
  crypto_generichash_update(&state, bytes_of(chunk_name_domain).data(), chunk_name_domain.size());
  crypto_generichash_update(&state, id.bytes.data(), id.bytes.size());
  crypto_generichash_final(&state, name.data(), name.size());
  chunk_id as_id;
  as_id.bytes = name;
  return as_id.hex();
}

std::vector<std::uint8_t> seal_chunk(const chunk_key& key, std::span<const std::uint8_t> plain) {
  net::ensure_sodium();
  BUCKY_CHECK(plain.size() <= chunk_bytes_max);
  std::vector<std::uint8_t> out(bytes_of(chunk_magic).begin(), bytes_of(chunk_magic).end());
  out.resize(chunk_magic.size() + plain.size() + tag_bytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + chunk_magic.size(), &written, plain.data(), plain.size(),
                                             bytes_of(chunk_magic).data(), chunk_magic.size(), nullptr,
                                             chunk_nonce.data(), key.data());
  BUCKY_CHECK(written == plain.size() + tag_bytes);
  return out;
}

result<std::vector<std::uint8_t>> open_chunk(const chunk_key& key, std::span<const std::uint8_t> sealed) {
  net::ensure_sodium();
  if (sealed.size() < sealed_chunk_overhead_bytes || sealed.size() > chunk_bytes_max + sealed_chunk_overhead_bytes ||
      std::memcmp(sealed.data(), chunk_magic.data(), chunk_magic.size()) != 0) {
    return corrupt(fmt::format("not a sealed chunk ({} bytes)", sealed.size()));
  }
  auto cipher = sealed.subspan(chunk_magic.size());
  std::vector<std::uint8_t> plain(cipher.size() - tag_bytes);
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &written, nullptr, cipher.data(), cipher.size(),
                                                 bytes_of(chunk_magic).data(), chunk_magic.size(), chunk_nonce.data(),
                                                 key.data()) != 0) {
    return corrupt("a sealed chunk that does not open with its key (altered, or another chunk's)");
  }
  return plain;
}

std::vector<std::uint8_t> seal_document(const net::public_key& owner, const net::key_pair& writer,
                                        std::span<const std::uint8_t> plain) {
  net::ensure_sodium();
  BUCKY_CHECK(plain.size() <= document_bytes_max);
  chunk_key key{};
  std::array<std::uint8_t, nonce_bytes> nonce{};
  randombytes_buf(key.data(), key.size());
  randombytes_buf(nonce.data(), nonce.size());
  std::vector<std::uint8_t> out;
  out.reserve(plain.size() + document_overhead_bytes);
  append(out, bytes_of(document_magic));
  append(out, writer.public_part().bytes);
  auto sealed_key = net::seal_to(owner, key);
  BUCKY_CHECK(sealed_key.size() == sealed_key_bytes);
  append(out, sealed_key);
  append(out, nonce);
  BUCKY_CHECK(out.size() == document_head_bytes);
  out.resize(document_head_bytes + plain.size() + tag_bytes);
  unsigned long long written = 0;
  // The head is the associated data: writer and sealed key are bound to the text.
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + document_head_bytes, &written, plain.data(), plain.size(),
                                             out.data(), document_head_bytes, nullptr, nonce.data(), key.data());
  sodium_memzero(key.data(), key.size());
  BUCKY_CHECK(written == plain.size() + tag_bytes);
  append(out, net::sign_in_domain(writer, document_domain, out));
  return out;
}

result<net::public_key> document_writer(std::span<const std::uint8_t> sealed) {
  if (sealed.size() < document_overhead_bytes || sealed.size() > document_bytes_max + document_overhead_bytes ||
      std::memcmp(sealed.data(), document_magic.data(), document_magic.size()) != 0) {
    return corrupt(fmt::format("not a sealed backup document ({} bytes)", sealed.size()));
  }
  net::public_key writer;
  std::memcpy(writer.bytes.data(), sealed.data() + document_magic.size(), writer.bytes.size());
  const auto body = sealed.first(sealed.size() - net::signature_bytes);
  if (!net::verify_in_domain(writer, document_domain, body, sealed.last(net::signature_bytes))) {
    return corrupt("a backup document whose signature does not verify (altered)");
  }
  return writer;
}

result<opened_document> open_document(const net::key_pair& owner, std::span<const std::uint8_t> sealed) {
  auto writer = document_writer(sealed);
  if (!writer) return writer.error();
  const auto head = sealed.first(document_head_bytes);
  const auto sealed_key = head.subspan(document_magic.size() + net::public_key_bytes, sealed_key_bytes);
  const auto nonce = head.last(nonce_bytes);
  auto key = net::open_sealed(owner, sealed_key, key_bytes);
  if (!key) {
    return status(status_code::permission_denied, "a backup document sealed to another owner key (the zone's owner "
                                                  "key opens it: --owner-key)");
  }
  const auto cipher = sealed.subspan(document_head_bytes, sealed.size() - document_head_bytes - net::signature_bytes);
  opened_document out;
  out.writer = *writer;
  out.plain.resize(cipher.size() - tag_bytes);
  unsigned long long written = 0;
  const int opened = crypto_aead_xchacha20poly1305_ietf_decrypt(out.plain.data(), &written, nullptr, cipher.data(),
                                                                cipher.size(), head.data(), head.size(), nonce.data(),
                                                                key->data());
  sodium_memzero(key->data(), key->size());
  if (opened != 0) return corrupt("a backup document that does not open (altered)");
  return out;
}

}  // namespace bucky::backup
