// The mutual handshake that opens every connection between nodes (DESIGN §6), as a
// sans-I/O state machine over handshake frames. Three messages, SIGMA-style:
//
//   1. I -> R  "BKY1" | e_i                       (ephemeral X25519 keys, clear)
//   2. R -> I  e_r | AEAD_r( S_r | sig_r | stream header_r )
//   3. I -> R        AEAD_i( S_i | sig_i | stream header_i )
//
// h = BLAKE2b("bucky-handshake-v1" | zone_id | e_i | e_r) is the transcript;
// sig_r = Sign_{S_r}("responder" | h | S_r), sig_i = Sign_{S_i}("initiator" | h | S_r | S_i).
// crypto_kx over the ephemerals gives one key per direction; keyed BLAKE2b of it with
// h gives that direction's handshake AEAD key and stream key. Encrypting the static
// keys and signatures under keys only the two ephemeral holders know binds each
// identity to this session (no identity misbinding by a relaying third party), and
// the ephemerals give forward secrecy. The initiator must find the static key it
// dialled; the responder asks its peer directory whether the key may connect.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include <sodium.h>

#include "messages/common/status.hpp"
#include "net/frame_reader.hpp"
#include "net/keys.hpp"

namespace bucky::net {

inline constexpr std::size_t session_key_bytes = 32;
inline constexpr std::size_t stream_header_bytes = 24;
using session_key = std::array<std::uint8_t, session_key_bytes>;
using stream_header = std::array<std::uint8_t, stream_header_bytes>;

// Fills a buffer with random bytes: libsodium's by default, seeded in simulation.
using random_source = std::function<void(std::uint8_t*, std::size_t)>;
random_source system_random();

// Who is on the other end, once proven.
struct peer_identity {
  // guest: an unknown key let in by a node waiting for activation (transport_config).
  // reader, writer: people with a narrower role than admin (see /users/ records).
  enum class kind : std::uint8_t { node, admin, guest, reader, writer };
  kind role = kind::node;
  std::string name;  // node_id or admin name
  public_key key;
};

// Answers whether a static key may connect, and as whom.
using peer_authorizer = std::function<std::optional<peer_identity>(const public_key&)>;

struct handshake_result {
  peer_identity peer;
  crypto_secretstream_xchacha20poly1305_state send_state;  // ready to push
  session_key receive_key;         // secretstream key for what we receive
  stream_header receive_header;    // the peer's secretstream header
};

class handshake {
 public:
  enum class role : std::uint8_t { initiator, responder };

  // Initiator: dials a known node and must meet exactly `expected_peer`.
  static handshake initiator(const key_pair& self, std::string zone_id, public_key expected_peer,
                             peer_authorizer authorize, random_source random);
  static handshake responder(const key_pair& self, std::string zone_id, peer_authorizer authorize,
                             random_source random);

  handshake(handshake&&) noexcept = default;
  handshake& operator=(handshake&&) noexcept = default;
  ~handshake();

  // The frame bodies to send now (the caller frames and writes them).
  std::vector<bytes> take_frames();
  // One received handshake frame body. An error ends the connection.
  status on_frame(std::span<const std::uint8_t> frame);
  bool done() const { return result_.has_value(); }
  // Moves the result out once done() (the send state must exist once only).
  handshake_result take_result();

 private:
  enum class step : std::uint8_t { await_hello, await_response, await_auth, finished, failed };
  handshake(role r, const key_pair& self, std::string zone_id, peer_authorizer authorize,
            random_source random);

  status on_hello(std::span<const std::uint8_t> frame);
  status on_response(std::span<const std::uint8_t> frame);
  status on_auth(std::span<const std::uint8_t> frame);
  status accept_identity(std::span<const std::uint8_t> sealed, const char* what,
                         const std::function<bytes(const public_key&)>& signed_part);
  // Fails (and fails the handshake) on a low-order peer point.
  status derive_keys(const std::array<std::uint8_t, 32>& peer_ephemeral);
  bytes sealed_identity(std::span<const std::uint8_t> to_sign);
  status fail(status reason);

  role role_;
  key_pair self_;
  std::string zone_id_;
  std::optional<public_key> expected_peer_;
  peer_authorizer authorize_;
  random_source random_;
  step step_;
  std::array<std::uint8_t, 32> ephemeral_public_{};
  std::array<std::uint8_t, 32> ephemeral_secret_{};
  std::array<std::uint8_t, 32> initiator_ephemeral_{};
  std::array<std::uint8_t, 32> responder_ephemeral_{};
  std::array<std::uint8_t, 32> transcript_{};
  session_key handshake_send_key_{};
  session_key handshake_receive_key_{};
  session_key stream_receive_key_{};
  stream_header send_header_{};
  crypto_secretstream_xchacha20poly1305_state send_state_{};
  std::vector<bytes> outbox_;
  std::optional<handshake_result> result_;
  bool result_taken_ = false;
};

}  // namespace bucky::net
