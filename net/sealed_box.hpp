// Bytes sealed to an Ed25519 identity: libsodium's sealed box (crypto_box_seal) to
// the key's X25519 form. Anyone who knows the public key may seal; only the holder
// of its private key opens, and the sealer stays anonymous (sign separately when it
// matters who sealed). A node's TLS key is sealed to that node (gateway_tls.hpp); a
// backup's keys are sealed to the zone owner.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::net {

inline constexpr std::size_t sealed_box_overhead_bytes = 48;  // crypto_box_SEALBYTES

std::vector<std::uint8_t> seal_to(const public_key& recipient, std::span<const std::uint8_t> plain);

// The plain bytes, or permission_denied when they were not sealed to `recipient`
// (or were altered), invalid_argument when longer than plain_bytes_max.
result<std::vector<std::uint8_t>> open_sealed(const key_pair& recipient, std::span<const std::uint8_t> sealed,
                                              std::size_t plain_bytes_max);

}  // namespace bucky::net
