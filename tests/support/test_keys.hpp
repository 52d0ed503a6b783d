// Deterministic keys for tests: key(n) is the same pair in every run.
#pragma once

#include <array>
#include <cstdint>

#include "net/keys.hpp"

namespace bucky::testing {

inline net::key_pair key(std::uint8_t n) {
  std::array<std::uint8_t, net::seed_bytes> seed{};
  seed.fill(n);
  return net::key_pair::from_seed(seed);
}

}  // namespace bucky::testing
