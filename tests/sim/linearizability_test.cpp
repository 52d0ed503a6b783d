// The linearizability checker itself: histories known to be (or not to be)
// linearizable, including operations whose outcome was never learned.
#define BOOST_TEST_MODULE sim_linearizability
#include <boost/test/unit_test.hpp>

#include <random>

#include "tests/sim/checker/linearizability.hpp"

using namespace bucky::sim;
using kind = kv_operation::kind;

namespace {

kv_operation put(std::string key, std::string value, std::uint64_t invoke, std::uint64_t complete, bool completed = true) {
  kv_operation op;
  op.what = kind::put;
  op.key = std::move(key);
  op.value = std::move(value);
  op.invoke_ns = invoke;
  op.complete_ns = completed ? complete : std::numeric_limits<std::uint64_t>::max();
  op.completed = completed;
  return op;
}

kv_operation get(std::string key, std::optional<std::string> seen, std::uint64_t invoke, std::uint64_t complete) {
  kv_operation op;
  op.what = kind::get;
  op.key = std::move(key);
  op.value = std::move(seen);
  op.invoke_ns = invoke;
  op.complete_ns = complete;
  return op;
}

kv_operation cas(std::string key, std::optional<std::string> expected, std::string value, bool succeeded,
                 std::uint64_t invoke, std::uint64_t complete, bool completed = true) {
  auto op = put(std::move(key), std::move(value), invoke, complete, completed);
  op.what = kind::cas;
  op.expected = std::move(expected);
  op.succeeded = succeeded;
  return op;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_sequential_history_is_linearizable) {
  auto result = check_linearizable({put("k", "1", 0, 1), get("k", "1", 2, 3), put("k", "2", 4, 5), get("k", "2", 6, 7),
                                    get("other", std::nullopt, 0, 1)});
  BOOST_TEST(result.linearizable);
}

BOOST_AUTO_TEST_CASE(a_stale_read_after_a_completed_write_is_not) {
  auto result = check_linearizable({put("k", "1", 0, 1), put("k", "2", 2, 3), get("k", "1", 4, 5)});
  BOOST_TEST(!result.linearizable);
  BOOST_TEST(!result.budget_exhausted);
  BOOST_TEST(result.key == "k");
}

BOOST_AUTO_TEST_CASE(a_read_overlapping_a_write_may_see_either_value) {
  BOOST_TEST(check_linearizable({put("k", "1", 0, 1), put("k", "2", 2, 10), get("k", "1", 3, 4)}).linearizable);
  BOOST_TEST(check_linearizable({put("k", "1", 0, 1), put("k", "2", 2, 10), get("k", "2", 3, 4)}).linearizable);
}

BOOST_AUTO_TEST_CASE(two_readers_may_not_see_two_concurrent_writes_in_opposite_orders) {
  // w1 and w2 overlap; reader A sees 1 then 2, reader B sees 2 then 1, all after both began.
  auto result = check_linearizable({put("k", "1", 0, 10), put("k", "2", 0, 10), get("k", "1", 1, 2), get("k", "2", 3, 4),
                                    get("k", "2", 1, 2), get("k", "1", 3, 4)});
  BOOST_TEST(!result.linearizable);
}

BOOST_AUTO_TEST_CASE(a_write_with_unknown_outcome_may_show_up_later_or_never) {
  BOOST_TEST(check_linearizable({put("k", "1", 0, 1), put("k", "2", 2, 0, false), get("k", "2", 50, 51)}).linearizable);
  BOOST_TEST(check_linearizable({put("k", "1", 0, 1), put("k", "2", 2, 0, false), get("k", "1", 50, 51)}).linearizable);
  // But it cannot take effect before it was invoked.
  BOOST_TEST(!check_linearizable({put("k", "1", 0, 1), get("k", "2", 2, 3), put("k", "2", 5, 0, false)}).linearizable);
}

BOOST_AUTO_TEST_CASE(a_value_nobody_wrote_is_not_linearizable) {
  BOOST_TEST(!check_linearizable({put("k", "1", 0, 1), get("k", "7", 2, 3)}).linearizable);
  BOOST_TEST(!check_linearizable({get("k", "1", 0, 1)}).linearizable);
}

// A register implemented correctly by a single lock, driven by concurrent clients:
// every random history it produces must pass; the same history with one read
// corrupted must fail.
BOOST_AUTO_TEST_CASE(random_correct_histories_pass_and_a_corrupted_read_fails) {
  std::mt19937_64 random(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<kv_operation> history;
    std::optional<std::string> value;
    std::uint64_t now = 0;
    int writes = 0;
    for (int i = 0; i < 40; ++i) {
      std::uint64_t invoke = now + random() % 5;
      std::uint64_t effect = invoke + 1 + random() % 5;  // the instant the lock is held
      std::uint64_t complete = effect + 1 + random() % 5;
      now = effect;  // effects happen in order
      if (random() % 2) {
        value = std::to_string(++writes);
        history.push_back(put("k", *value, invoke, complete));
      } else {
        history.push_back(get("k", value, invoke, complete));
      }
    }
    auto result = check_linearizable(history);
    BOOST_TEST_REQUIRE(result.linearizable, "round " << round << ": " << result.explanation);
    for (auto& op : history) {
      if (op.what == kind::get && op.value && *op.value != "1") {
        op.value = "999";
        break;
      }
    }
    BOOST_TEST_REQUIRE(!check_linearizable(history).linearizable, "round " << round);
  }
}

BOOST_AUTO_TEST_CASE(a_compare_and_set_holds_exactly_when_the_register_had_the_expected_value) {
  // Created when absent, then swapped 1 -> 2; a swap expecting 1 afterwards fails.
  BOOST_TEST(check_linearizable({cas("k", std::nullopt, "1", true, 0, 1), cas("k", "1", "2", true, 2, 3),
                                 cas("k", "1", "3", false, 4, 5), get("k", "2", 6, 7)})
                 .linearizable);
  // A failed compare that should have held, and a success on a stale value: both wrong.
  BOOST_TEST(!check_linearizable({put("k", "1", 0, 1), cas("k", "1", "2", false, 2, 3)}).linearizable);
  BOOST_TEST(!check_linearizable({put("k", "1", 0, 1), put("k", "2", 2, 3), cas("k", "1", "3", true, 4, 5)})
                  .linearizable);
  // Two concurrent swaps from the same value: at most one may win.
  BOOST_TEST(!check_linearizable({put("k", "1", 0, 1), cas("k", "1", "a", true, 2, 5), cas("k", "1", "b", true, 3, 6)})
                  .linearizable);
  BOOST_TEST(check_linearizable({put("k", "1", 0, 1), cas("k", "1", "a", true, 2, 5), cas("k", "1", "b", false, 3, 6),
                                 get("k", "a", 7, 8)})
                 .linearizable);
  // A swap with an unknown outcome took effect (the later read sees it) or not.
  BOOST_TEST(check_linearizable({put("k", "1", 0, 1), cas("k", "1", "2", false, 2, 0, false), get("k", "2", 9, 10)})
                 .linearizable);
  BOOST_TEST(check_linearizable({put("k", "1", 0, 1), cas("k", "1", "2", false, 2, 0, false), get("k", "1", 9, 10)})
                 .linearizable);
}
