// Polls a condition every 10 ms until it holds or `limit` passes: for tests that
// wait on another thread (an I/O engine, a server). Bounded; returns the last answer.
#pragma once

#include <chrono>
#include <thread>

namespace bucky::testing {

template <class Condition>
bool eventually(Condition condition, std::chrono::steady_clock::duration limit = std::chrono::seconds(10)) {
  auto give_up = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < give_up) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

}  // namespace bucky::testing
