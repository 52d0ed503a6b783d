// Slows password guessing at the gateway (issue 21), as a plain class: the caller
// passes the time. Two counters, each with exponential backoff:
//
//   per user name     after failures_free_per_user failed attempts, each further
//                     attempt must wait 1 s, 2 s, 4 s ... up to wait_ms_max after
//                     the last failure, whoever tries (so a guesser spread over
//                     many addresses gains nothing)
//   per client address the same after failures_free_per_address (a guesser trying
//                     many names from one place)
//
// A success clears the user's counter and the address's. Counters forget after
// forget_after_ms without failures. Both tables are bounded: when full, the entry
// idle longest goes (a flood of names cannot grow memory). The locked-out person can
// still sign in after the wait: it slows guessing without locking out the owner for
// good, which is what an attacker who knows the owner's name would want.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace bucky::gateway {

struct login_guard_limits {
  std::uint32_t failures_free_per_user = 5;
  std::uint32_t failures_free_per_address = 20;
  std::uint64_t first_wait_ms = 1'000;
  std::uint64_t wait_ms_max = 15 * 60'000;
  std::uint64_t forget_after_ms = 60 * 60'000;
  std::size_t entries_max = 4096;  // per table
};

class login_guard {
 public:
  explicit login_guard(login_guard_limits limits = {}) : limits_(limits) {}

  // 0: may try now; otherwise how long to wait (the larger of the two counters').
  std::uint64_t wait_ms(const std::string& user, const std::string& address, std::uint64_t now_ms) const;
  void failed(const std::string& user, const std::string& address, std::uint64_t now_ms);
  void succeeded(const std::string& user, const std::string& address);

  std::size_t users_tracked() const { return users_.size(); }
  std::size_t addresses_tracked() const { return addresses_.size(); }

 private:
  struct counter {
    std::uint32_t failures = 0;
    std::uint64_t last_failure_ms = 0;
  };
  using table = std::map<std::string, counter>;

  std::uint64_t wait_of(const table& entries, const std::string& key, std::uint32_t free, std::uint64_t now_ms) const;
  void count(table& entries, const std::string& key, std::uint64_t now_ms);

  login_guard_limits limits_;
  table users_;
  table addresses_;
};

}  // namespace bucky::gateway
