// deadline_queue: due entries come out oldest first, once; deadlines never go back.
#define BOOST_TEST_MODULE unit_paxos_deadline_queue
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "actors/paxos/deadline_queue.hpp"

using bucky::deadline_queue;

BOOST_AUTO_TEST_CASE(due_entries_come_out_in_order_once) {
  deadline_queue<std::string> queue;
  queue.add(100, "a");
  queue.add(100, "b");
  queue.add(250, "c");
  std::vector<std::string> seen;
  auto collect = [&](std::uint64_t, const std::string& key) { seen.push_back(key); };
  queue.take_due(99, collect);
  BOOST_TEST(seen.empty());
  queue.take_due(100, collect);
  BOOST_TEST((seen == std::vector<std::string>{"a", "b"}));
  queue.take_due(1'000, collect);
  BOOST_TEST((seen == std::vector<std::string>{"a", "b", "c"}));
  queue.take_due(2'000, collect);
  BOOST_TEST(seen.size() == 3u);
  BOOST_TEST(queue.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_deadline_before_the_last_one_is_a_broken_invariant) {
  deadline_queue<int> queue;
  queue.add(500, 1);
  BOOST_CHECK_THROW(queue.add(499, 2), bucky::invariant_violation);
}
