#include "net/backoff.hpp"

#include <algorithm>

#include "messages/common/check.hpp"

namespace bucky::net {

backoff::backoff(random_source random, std::uint64_t delay_ms_min, std::uint64_t delay_ms_max)
    : random_(std::move(random)), delay_ms_min_(delay_ms_min), delay_ms_max_(delay_ms_max) {
  BUCKY_CHECK(delay_ms_min_ > 0 && delay_ms_min_ <= delay_ms_max_);
}

std::uint64_t backoff::next_delay_ms() {
  std::uint64_t step = delay_ms_min_;
  for (std::uint32_t i = 0; i < attempts_ && step < delay_ms_max_; ++i) step *= 2;
  step = std::min(step, delay_ms_max_);
  attempts_ = std::min<std::uint32_t>(attempts_ + 1, 64);
  std::uint32_t draw = 0;
  random_(reinterpret_cast<std::uint8_t*>(&draw), sizeof draw);
  std::uint64_t half = step / 2;
  std::uint64_t delay = half + (half == 0 ? 0 : draw % (step - half + 1));
  BUCKY_CHECK(delay >= step / 2 && delay <= step);
  return std::max<std::uint64_t>(delay, 1);
}

}  // namespace bucky::net
