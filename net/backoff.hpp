// Reconnect delays: exponential from delay_ms_min to delay_ms_max, with jitter
// (each delay drawn from [half, full] of its step) so that nodes that lost a peer
// together do not redial in lockstep. Sans-I/O: the random source is injected.
#pragma once

#include <cstdint>

#include "net/handshake.hpp"
#include "net/limits.hpp"

namespace bucky::net {

class backoff {
 public:
  backoff(random_source random, std::uint64_t delay_ms_min = limits::reconnect_backoff_ms_min,
          std::uint64_t delay_ms_max = limits::reconnect_backoff_ms_max);

  // The delay before the next attempt; each call doubles the step up to the max.
  std::uint64_t next_delay_ms();
  // A connection succeeded: start again from the minimum.
  void reset() { attempts_ = 0; }
  std::uint32_t attempts() const { return attempts_; }

 private:
  random_source random_;
  std::uint64_t delay_ms_min_;
  std::uint64_t delay_ms_max_;
  std::uint32_t attempts_ = 0;
};

}  // namespace bucky::net
