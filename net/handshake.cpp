#include "net/handshake.hpp"

#include <cstring>

#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "net/limits.hpp"

namespace bucky::net {

namespace {

constexpr std::array<std::uint8_t, 4> hello_magic = {'B', 'K', 'Y', '1'};
constexpr std::size_t key_bytes = 32;
constexpr std::size_t aead_overhead_bytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t identity_bytes = public_key_bytes + signature_bytes + stream_header_bytes;
constexpr std::size_t hello_bytes = hello_magic.size() + key_bytes;
constexpr std::size_t response_bytes = key_bytes + identity_bytes + aead_overhead_bytes;
constexpr std::size_t auth_bytes = identity_bytes + aead_overhead_bytes;
constexpr std::string_view responder_label = "bucky responder";
constexpr std::string_view initiator_label = "bucky initiator";

session_key keyed_hash(const std::uint8_t* key, std::string_view label,
                       const std::array<std::uint8_t, 32>& transcript) {
  session_key out;
  crypto_generichash_state state;
  crypto_generichash_init(&state, key, session_key_bytes, out.size());
  crypto_generichash_update(&state, reinterpret_cast<const std::uint8_t*>(label.data()), label.size());
  crypto_generichash_update(&state, transcript.data(), transcript.size());
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

void append(bytes& out, std::span<const std::uint8_t> part) { out.insert(out.end(), part.begin(), part.end()); }
void append(bytes& out, std::string_view part) {
  out.insert(out.end(), part.begin(), part.end());
}

}  // namespace

random_source system_random() {
  return [](std::uint8_t* out, std::size_t size) {
    ensure_sodium();
    randombytes_buf(out, size);
  };
}

handshake::handshake(role r, const key_pair& self, std::string zone_id, peer_authorizer authorize,
                     random_source random)
    : role_(r),
      self_(self),
      zone_id_(std::move(zone_id)),
      authorize_(std::move(authorize)),
      random_(std::move(random)),
      step_(r == role::initiator ? step::await_response : step::await_hello) {
  ensure_sodium();
  BUCKY_CHECK(!zone_id_.empty() && zone_id_.size() <= limits::zone_id_bytes_max);
  BUCKY_CHECK(static_cast<bool>(authorize_) && static_cast<bool>(random_));
  std::array<std::uint8_t, crypto_kx_SEEDBYTES> seed;
  random_(seed.data(), seed.size());
  BUCKY_CHECK(crypto_kx_seed_keypair(ephemeral_public_.data(), ephemeral_secret_.data(), seed.data()) == 0);
  sodium_memzero(seed.data(), seed.size());
}

handshake::~handshake() {
  sodium_memzero(ephemeral_secret_.data(), ephemeral_secret_.size());
  sodium_memzero(handshake_send_key_.data(), handshake_send_key_.size());
  sodium_memzero(handshake_receive_key_.data(), handshake_receive_key_.size());
  sodium_memzero(stream_receive_key_.data(), stream_receive_key_.size());
}

handshake handshake::initiator(const key_pair& self, std::string zone_id, public_key expected_peer,
                               peer_authorizer authorize, random_source random) {
  handshake h(role::initiator, self, std::move(zone_id), std::move(authorize), std::move(random));
  h.expected_peer_ = expected_peer;
  h.initiator_ephemeral_ = h.ephemeral_public_;
  bytes hello;
  append(hello, hello_magic);
  append(hello, h.ephemeral_public_);
  h.outbox_.push_back(std::move(hello));
  return h;
}

handshake handshake::responder(const key_pair& self, std::string zone_id, peer_authorizer authorize,
                               random_source random) {
  handshake h(role::responder, self, std::move(zone_id), std::move(authorize), std::move(random));
  h.responder_ephemeral_ = h.ephemeral_public_;
  return h;
}

std::vector<bytes> handshake::take_frames() { return std::exchange(outbox_, {}); }

handshake_result handshake::take_result() {
  BUCKY_CHECK(result_.has_value() && !result_taken_);
  result_taken_ = true;
  return std::move(*result_);
}

status handshake::fail(status reason) {
  step_ = step::failed;
  return reason;
}

status handshake::on_frame(std::span<const std::uint8_t> frame) {
  switch (step_) {
    case step::await_hello: return on_hello(frame);
    case step::await_response: return on_response(frame);
    case step::await_auth: return on_auth(frame);
    case step::finished:
      return fail({status_code::invalid_argument, "handshake frame after the handshake finished"});
    case step::failed: return {status_code::invalid_argument, "handshake already failed"};
  }
  return fail({status_code::internal, "handshake in an unknown step"});
}

// Both ephemerals known: transcript hash, then kx keys, then per-purpose keys.
status handshake::derive_keys(const std::array<std::uint8_t, 32>& peer_ephemeral) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, transcript_.size());
  const std::string_view protocol = "bucky-handshake-v1";
  crypto_generichash_update(&state, reinterpret_cast<const std::uint8_t*>(protocol.data()), protocol.size());
  std::uint8_t zone_size = static_cast<std::uint8_t>(zone_id_.size());
  crypto_generichash_update(&state, &zone_size, 1);
  crypto_generichash_update(&state, reinterpret_cast<const std::uint8_t*>(zone_id_.data()), zone_id_.size());
  crypto_generichash_update(&state, initiator_ephemeral_.data(), key_bytes);
  crypto_generichash_update(&state, responder_ephemeral_.data(), key_bytes);
  crypto_generichash_final(&state, transcript_.data(), transcript_.size());

  session_key receive{}, send{};
  int rc = role_ == role::initiator
               ? crypto_kx_client_session_keys(receive.data(), send.data(), ephemeral_public_.data(),
                                               ephemeral_secret_.data(), peer_ephemeral.data())
               : crypto_kx_server_session_keys(receive.data(), send.data(), ephemeral_public_.data(),
                                               ephemeral_secret_.data(), peer_ephemeral.data());
  if (rc != 0) {
    // A low-order point (all zeros, or another of the few small-subgroup points) makes
    // the shared secret zero: libsodium refuses it and leaves the keys unset, and
    // keys derived from them would rest on public data only.
    return fail({status_code::permission_denied,
                 fmt::format("handshake {} ephemeral key is a low-order X25519 point (no shared secret): "
                             "refused",
                             role_ == role::initiator ? "response" : "hello")});
  }
  handshake_send_key_ = keyed_hash(send.data(), "handshake", transcript_);
  handshake_receive_key_ = keyed_hash(receive.data(), "handshake", transcript_);
  auto stream_send_key = keyed_hash(send.data(), "stream", transcript_);
  stream_receive_key_ = keyed_hash(receive.data(), "stream", transcript_);
  crypto_secretstream_xchacha20poly1305_init_push(&send_state_, send_header_.data(), stream_send_key.data());
  sodium_memzero(stream_send_key.data(), stream_send_key.size());
  sodium_memzero(send.data(), send.size());
  sodium_memzero(receive.data(), receive.size());
  return {};
}

// S | Sign(label | h | ...) | our stream header, sealed under our handshake key.
bytes handshake::sealed_identity(std::span<const std::uint8_t> to_sign) {
  auto sig = self_.sign(to_sign);
  bytes plain;
  append(plain, self_.public_part().bytes);
  append(plain, sig);
  append(plain, send_header_);
  bytes sealed(plain.size() + aead_overhead_bytes);
  std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce{};  // key used once
  unsigned long long sealed_size = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data(), &sealed_size, plain.data(), plain.size(),
                                             transcript_.data(), transcript_.size(), nullptr,
                                             nonce.data(), handshake_send_key_.data());
  BUCKY_CHECK(sealed_size == sealed.size());
  return sealed;
}

status handshake::on_hello(std::span<const std::uint8_t> frame) {
  if (frame.size() != hello_bytes ||
      std::memcmp(frame.data(), hello_magic.data(), hello_magic.size()) != 0) {
    return fail({status_code::invalid_argument,
                 fmt::format("handshake hello of {} bytes is not a bucky hello (expected {} "
                             "bytes starting BKY1)",
                             frame.size(), hello_bytes)});
  }
  std::memcpy(initiator_ephemeral_.data(), frame.data() + hello_magic.size(), key_bytes);
  if (auto derived = derive_keys(initiator_ephemeral_); !derived.is_ok()) return derived;
  bytes to_sign;
  append(to_sign, responder_label);
  append(to_sign, transcript_);
  append(to_sign, self_.public_part().bytes);
  bytes response;
  append(response, responder_ephemeral_);
  append(response, sealed_identity(to_sign));
  outbox_.push_back(std::move(response));
  step_ = step::await_auth;
  return {};
}

// Decrypts the peer's sealed identity, checks its signature over `signed_prefix | S`
// (or `signed_prefix` + S placed by the caller), asks the authorizer, and finishes.
status handshake::accept_identity(std::span<const std::uint8_t> sealed, const char* what,
                                  const std::function<bytes(const public_key&)>& signed_part) {
  bytes plain(identity_bytes);
  std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce{};  // key used once
  unsigned long long plain_size = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &plain_size, nullptr, sealed.data(),
                                                 sealed.size(), transcript_.data(), transcript_.size(),
                                                 nonce.data(), handshake_receive_key_.data()) != 0) {
    return fail({status_code::permission_denied,
                 fmt::format("handshake {} does not decrypt: the peer is not who it claims, or "
                             "the bytes were altered or replayed",
                             what)});
  }
  public_key peer;
  std::memcpy(peer.bytes.data(), plain.data(), public_key_bytes);
  if (expected_peer_ && peer != *expected_peer_) {
    return fail({status_code::permission_denied,
                 fmt::format("peer presented key {} but {} was expected at this address",
                             peer.to_text(), expected_peer_->to_text())});
  }
  signature sig;
  std::memcpy(sig.data(), plain.data() + public_key_bytes, signature_bytes);
  if (!verify_signature(peer, signed_part(peer), sig)) {
    return fail({status_code::permission_denied,
                 fmt::format("handshake {} signature of key {} is invalid", what, peer.to_text())});
  }
  auto identity = authorize_(peer);
  if (!identity) {
    return fail({status_code::permission_denied,
                 fmt::format("peer key {} is not allowed in zone {}", peer.to_text(), zone_id_)});
  }
  handshake_result done;
  done.peer = *identity;
  done.send_state = send_state_;
  done.receive_key = stream_receive_key_;
  std::memcpy(done.receive_header.data(), plain.data() + public_key_bytes + signature_bytes,
              stream_header_bytes);
  result_ = std::move(done);
  step_ = step::finished;
  return {};
}

status handshake::on_response(std::span<const std::uint8_t> frame) {
  if (frame.size() != response_bytes) {
    return fail({status_code::invalid_argument,
                 fmt::format("handshake response of {} bytes (expected {})", frame.size(), response_bytes)});
  }
  std::memcpy(responder_ephemeral_.data(), frame.data(), key_bytes);
  if (auto derived = derive_keys(responder_ephemeral_); !derived.is_ok()) return derived;
  auto accepted = accept_identity(frame.subspan(key_bytes), "response", [&](const public_key& peer) {
    bytes signed_part;
    append(signed_part, responder_label);
    append(signed_part, transcript_);
    append(signed_part, peer.bytes);
    return signed_part;
  });
  if (!accepted.is_ok()) return accepted;
  bytes to_sign;
  append(to_sign, initiator_label);
  append(to_sign, transcript_);
  append(to_sign, expected_peer_->bytes);
  append(to_sign, self_.public_part().bytes);
  outbox_.push_back(sealed_identity(to_sign));
  return {};
}

status handshake::on_auth(std::span<const std::uint8_t> frame) {
  if (frame.size() != auth_bytes) {
    return fail({status_code::invalid_argument,
                 fmt::format("handshake auth of {} bytes (expected {})", frame.size(), auth_bytes)});
  }
  return accept_identity(frame, "auth", [&](const public_key& peer) {
    bytes signed_part;
    append(signed_part, initiator_label);
    append(signed_part, transcript_);
    append(signed_part, self_.public_part().bytes);
    append(signed_part, peer.bytes);
    return signed_part;
  });
}

}  // namespace bucky::net
