// A deterministic random_source for handshakes in tests: the same seed gives the
// same ephemeral keys and nonces in every run.
#pragma once

#include <cstdint>
#include <memory>
#include <random>

#include "net/handshake.hpp"

namespace bucky::testing {

inline net::random_source seeded(std::uint64_t seed) {
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine](std::uint8_t* out, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>((*engine)());
  };
}

}  // namespace bucky::testing
