// Timeouts without a timer per request. Every client request waits the same time,
// so deadlines arrive in the order requests do; the actor's 10 ms tick takes the
// due ones. One delayed message per request used to wake CAF's clock thread for
// every write. An entry stays until it is due even when its request was answered:
// the caller checks, when it comes due, that the request still waits with that
// deadline (a retry under the same key has a later one). Bounded by the requests of
// one timeout period, which the callers bound.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>

#include "messages/common/check.hpp"

namespace bucky {

template <class Key>
class deadline_queue {
 public:
  void add(std::uint64_t deadline_ms, Key key) {
    BUCKY_CHECK_MSG(queue_.empty() || deadline_ms >= queue_.back().first, "deadlines must not go back");
    queue_.emplace_back(deadline_ms, std::move(key));
  }

  // Calls due(deadline_ms, key) for every entry due at now_ms, oldest first.
  template <class Due>
  void take_due(std::uint64_t now_ms, Due due) {
    while (!queue_.empty() && queue_.front().first <= now_ms) {
      auto entry = std::move(queue_.front());
      queue_.pop_front();
      due(entry.first, entry.second);
    }
  }

  void clear() { queue_.clear(); }
  std::size_t size() const { return queue_.size(); }

 private:
  std::deque<std::pair<std::uint64_t, Key>> queue_;
};

}  // namespace bucky
