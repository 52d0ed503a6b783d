#define BOOST_TEST_MODULE unit_paxos_lease_timers
#include <boost/test/unit_test.hpp>

#include "actors/paxos/lease_timers.hpp"

using namespace bucky;

BOOST_AUTO_TEST_CASE(a_lease_expires_one_ttl_after_its_last_keepalive_and_is_revoked_once_per_retry) {
  lease_timers timers;
  timers.granted({1, 2}, 0);
  timers.granted({1, 9}, 500);  // a retried grant does not restart the clock
  BOOST_TEST(timers.due(1'999).empty());
  timers.kept_alive(1, 2, 1'500);
  BOOST_TEST(timers.due(3'499).empty());
  BOOST_TEST(timers.due(3'500) == std::vector<std::int64_t>{1});
  BOOST_TEST(timers.due(3'600).empty());  // proposed; wait for the log
  BOOST_TEST(timers.due(4'500) == std::vector<std::int64_t>{1});  // lost in a leader change? again
  timers.revoked(1);
  BOOST_TEST(timers.due(10'000).empty());
}

BOOST_AUTO_TEST_CASE(a_new_leader_gives_every_lease_its_full_ttl_and_a_deposed_one_forgets) {
  lease_timers timers;
  timers.start({{1, 1}, {2, 3}}, 10'000);
  BOOST_TEST(timers.size() == 2u);
  BOOST_TEST(timers.due(10'999).empty());
  BOOST_TEST(timers.due(11'000) == std::vector<std::int64_t>{1});
  timers.revoked(1);
  BOOST_TEST(timers.due(13'000) == std::vector<std::int64_t>{2});
  timers.stop();
  BOOST_TEST(timers.size() == 0u);
}

BOOST_AUTO_TEST_CASE(revokes_per_tick_are_bounded) {
  lease_timers timers;
  for (std::int64_t id = 1; id <= 200; ++id) timers.granted({id, 1}, 0);
  BOOST_TEST(timers.due(1'000).size() == lease_timers::revokes_per_tick_max);
  BOOST_TEST(timers.due(1'000).size() == lease_timers::revokes_per_tick_max);
}
