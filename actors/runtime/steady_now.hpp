// The monotonic clock the actor shells read for timers and ages, in signed ms
// (differences may be negative). The deterministic cores never read it: their
// shells pass now_ms in.
#pragma once

#include <cstdint>

#include "net/steady_clock.hpp"

namespace bucky {

inline std::int64_t steady_now_ms() { return static_cast<std::int64_t>(net::steady_ms()); }

}  // namespace bucky
