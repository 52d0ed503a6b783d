// net/session_budget: the transport's inbound slots. Strangers hold handshake and
// guest slots only; the zone's slots stay free for nodes and the owner.
#define BOOST_TEST_MODULE net_session_budget
#include <boost/test/unit_test.hpp>

#include "net/session_budget.hpp"

using namespace bucky::net;

BOOST_AUTO_TEST_CASE(an_address_past_its_share_of_handshakes_is_refused) {
  session_budget budget({128, 32, 2, 8});
  BOOST_TEST(budget.on_accept(1, "192.0.2.7").admitted);
  BOOST_TEST(budget.on_accept(2, "192.0.2.7").admitted);
  auto third = budget.on_accept(3, "192.0.2.7");
  BOOST_TEST(!third.admitted);
  BOOST_TEST(third.refusal.find("handshakes_per_address_max") != std::string::npos, third.refusal);
  BOOST_TEST(budget.on_accept(4, "192.0.2.8").admitted);
  budget.on_closed(1);
  BOOST_TEST(budget.on_accept(5, "192.0.2.7").admitted);
}

BOOST_AUTO_TEST_CASE(when_handshake_slots_are_full_the_oldest_unfinished_one_gives_way) {
  session_budget budget({128, 3, 4, 8});
  for (std::uint64_t id = 1; id <= 3; ++id) BOOST_TEST(budget.on_accept(id, "192.0.2." + std::to_string(id)).admitted);
  auto newcomer = budget.on_accept(4, "192.0.2.99");
  BOOST_TEST(newcomer.admitted);
  BOOST_TEST_REQUIRE(newcomer.evict.has_value());
  BOOST_TEST(*newcomer.evict == 1u);
  BOOST_TEST(budget.handshakes() == 3u);
  budget.on_closed(1);  // the evicted session closing later changes nothing
  BOOST_TEST(budget.handshakes() == 3u);
}

BOOST_AUTO_TEST_CASE(guests_and_nodes_have_separate_budgets) {
  session_budget budget({2, 8, 8, 1});
  for (std::uint64_t id = 1; id <= 4; ++id) BOOST_TEST_REQUIRE(budget.on_accept(id, "192.0.2.1").admitted);
  BOOST_TEST(!budget.on_established(1, true).has_value());
  auto second_guest = budget.on_established(2, true);
  BOOST_TEST_REQUIRE(second_guest.has_value());
  BOOST_TEST(second_guest->find("guest_sessions_max") != std::string::npos);
  BOOST_TEST(!budget.on_established(3, false).has_value());  // guests took none of the nodes' slots
  BOOST_TEST(!budget.on_established(4, false).has_value());
  BOOST_TEST(budget.authenticated() == 2u);
  BOOST_TEST(budget.handshakes() == 0u);
  budget.on_closed(3);
  BOOST_TEST(budget.authenticated() == 1u);
}
