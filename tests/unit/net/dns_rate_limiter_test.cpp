// net/dns_rate_limiter: a token bucket per source, over a bounded table of sources.
#define BOOST_TEST_MODULE net_dns_rate_limiter
#include <boost/test/unit_test.hpp>

#include "net/dns_rate_limiter.hpp"

using namespace bucky::net;

BOOST_AUTO_TEST_CASE(a_source_gets_its_burst_then_its_rate) {
  dns_rate_limiter limiter({10, 5, 64});
  int answered = 0;
  for (int i = 0; i < 100; ++i) answered += limiter.allow("192.0.2.7", 1'000) ? 1 : 0;
  BOOST_TEST(answered == 5);
  BOOST_TEST(!limiter.allow("192.0.2.7", 1'099));  // 0.99 of an answer earned
  BOOST_TEST(limiter.allow("192.0.2.7", 1'100));   // 10 a second: one per 100 ms
  BOOST_TEST(!limiter.allow("192.0.2.7", 1'100));
  BOOST_TEST(limiter.allow("192.0.2.8", 1'100));  // another source has its own bucket
}

BOOST_AUTO_TEST_CASE(a_quiet_source_refills_only_up_to_its_burst) {
  dns_rate_limiter limiter({10, 3, 64});
  for (int i = 0; i < 3; ++i) BOOST_TEST(limiter.allow("192.0.2.7", 0));
  int answered = 0;
  for (int i = 0; i < 10; ++i) answered += limiter.allow("192.0.2.7", 3'600'000) ? 1 : 0;
  BOOST_TEST(answered == 3);
}

BOOST_AUTO_TEST_CASE(the_table_keeps_at_most_sources_max_forgetting_the_least_recent) {
  dns_rate_limiter limiter({1, 1, 3});
  BOOST_TEST(limiter.allow("a", 0));
  BOOST_TEST(limiter.allow("b", 0));
  BOOST_TEST(limiter.allow("c", 0));
  BOOST_TEST(!limiter.allow("a", 0));  // a is the most recent now; b the least
  BOOST_TEST(limiter.allow("d", 0));   // b forgotten
  BOOST_TEST(limiter.sources() == 3u);
  BOOST_TEST(!limiter.allow("a", 0));  // a still remembered: still empty
  BOOST_TEST(!limiter.allow("c", 0));
}
