// A linearizability checker for key-value histories (Wing & Gong's search with
// Lowe's memoization), partitioned by key: a history is linearizable when every
// key's sub-history is (puts and gets on one key form a register). Used by the
// Paxos simulator and, later, the chaos suite. Operations whose outcome the client
// never learned (a timeout) may take effect at any time after their invocation, or
// never.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace bucky::sim {

struct kv_operation {
  // cas: compare-and-set, one txn "if key == expected then put value".
  enum class kind : std::uint8_t { put, get, cas };
  kind what = kind::get;
  std::string key;
  std::optional<std::string> value;   // put, cas: the value written; get: what was read (nullopt: absent)
  std::optional<std::string> expected;  // cas: the value compared with (nullopt: absent)
  bool succeeded = false;               // cas, completed: whether the compare held
  bool completed = true;              // false: the client never learned the outcome
  std::uint64_t invoke_ns = 0;
  std::uint64_t complete_ns = std::numeric_limits<std::uint64_t>::max();
  std::uint32_t client = 0;
};

struct check_result {
  bool linearizable = true;
  bool budget_exhausted = false;  // the search gave up: the answer is "unknown"
  std::string key;                // the first key that failed
  std::string explanation;
  std::uint64_t steps = 0;
};

check_result check_linearizable(const std::vector<kv_operation>& history, std::uint64_t steps_max = 10'000'000);

}  // namespace bucky::sim
