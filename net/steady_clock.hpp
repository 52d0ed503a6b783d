// The monotonic clock the network engines read for their deadlines, in ms. The
// deterministic cores never read it: their callers pass now_ms in.
#pragma once

#include <chrono>
#include <cstdint>

namespace bucky::net {

inline std::uint64_t steady_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace bucky::net
