#include "tests/sim/checker/linearizability.hpp"

#include <algorithm>
#include <map>
#include <unordered_set>

namespace bucky::sim {

namespace {

constexpr std::uint64_t never = std::numeric_limits<std::uint64_t>::max();

// The register's state: nullopt is "absent".
using register_state = std::optional<std::string>;

bool apply_to_register(const kv_operation& op, register_state& state) {
  switch (op.what) {
    case kv_operation::kind::put: state = op.value; return true;
    case kv_operation::kind::get: return !op.completed || op.value == state;  // unknown: constrains nothing
    case kv_operation::kind::cas: {
      bool holds = state == op.expected;
      if (op.completed && holds != op.succeeded) return false;
      if (holds) state = op.value;
      return true;
    }
  }
  return false;
}

std::string memo_key(const std::vector<bool>& done, const register_state& state) {
  std::string key;
  key.reserve(done.size() / 8 + 2 + (state ? state->size() : 0));
  unsigned char byte = 0;
  for (std::size_t i = 0; i < done.size(); ++i) {
    byte = static_cast<unsigned char>(byte | (done[i] ? 1u << (i % 8) : 0u));
    if (i % 8 == 7) {
      key.push_back(static_cast<char>(byte));
      byte = 0;
    }
  }
  key.push_back(static_cast<char>(byte));
  key.push_back(state ? '+' : '-');
  if (state) key += *state;
  return key;
}

struct frame {
  std::size_t chosen;       // op linearized at this depth
  register_state previous;  // state before it
};

// Depth-first search for an order of one key's operations that respects real time
// and the register's semantics. Ops with unknown outcome need not be placed.
check_result check_key(const std::string& key, std::vector<kv_operation> ops, std::uint64_t steps_max) {
  check_result result;
  result.key = key;
  std::sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.invoke_ns < b.invoke_ns; });
  const std::size_t n = ops.size();
  std::size_t must_place = 0;
  for (const auto& op : ops) must_place += op.completed;
  std::vector<bool> done(n, false);
  std::size_t placed_completed = 0;
  register_state state;
  std::vector<frame> stack;
  std::unordered_set<std::string> seen;
  std::size_t next_candidate = 0;  // where to resume trying at the current depth

  while (true) {
    if (placed_completed == must_place) return result;
    if (++result.steps > steps_max) {
      result.budget_exhausted = true;
      result.explanation = "search budget exhausted";
      return result;
    }
    // The earliest completion among unplaced completed ops bounds who may go next.
    std::uint64_t horizon = never;
    for (std::size_t i = 0; i < n; ++i) {
      if (!done[i] && ops[i].completed) horizon = std::min(horizon, ops[i].complete_ns);
    }
    bool advanced = false;
    for (std::size_t i = next_candidate; i < n && ops[i].invoke_ns <= horizon; ++i) {
      if (done[i]) continue;
      register_state after = state;
      if (!apply_to_register(ops[i], after)) continue;
      done[i] = true;
      if (!seen.insert(memo_key(done, after)).second) {
        done[i] = false;
        continue;
      }
      stack.push_back({i, state});
      state = after;
      placed_completed += ops[i].completed;
      next_candidate = 0;
      advanced = true;
      break;
    }
    if (advanced) continue;
    if (stack.empty()) {
      result.linearizable = false;
      result.explanation = "no order of the operations on this key is consistent with real time and a register";
      return result;
    }
    auto back = stack.back();
    stack.pop_back();
    done[back.chosen] = false;
    placed_completed -= ops[back.chosen].completed;
    state = back.previous;
    next_candidate = back.chosen + 1;
  }
}

}  // namespace

check_result check_linearizable(const std::vector<kv_operation>& history, std::uint64_t steps_max) {
  std::map<std::string, std::vector<kv_operation>> by_key;
  for (const auto& op : history) by_key[op.key].push_back(op);
  check_result total;
  for (auto& [key, ops] : by_key) {
    auto one = check_key(key, std::move(ops), steps_max);
    total.steps += one.steps;
    if (!one.linearizable || one.budget_exhausted) {
      one.steps = total.steps;
      return one;
    }
  }
  return total;
}

}  // namespace bucky::sim
