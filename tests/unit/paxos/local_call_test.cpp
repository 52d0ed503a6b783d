// answer_once: a local zone-state call is answered exactly once, and a call dropped
// unanswered (the replica stopped) still answers, with "unavailable".
#define BOOST_TEST_MODULE paxos_local_call
#include <boost/test/unit_test.hpp>

#include "actors/paxos/local_call.hpp"

using namespace bucky;

BOOST_AUTO_TEST_CASE(the_first_answer_counts_and_a_dropped_call_says_unavailable) {
  std::vector<kv_client_response> got;
  {
    auto answer = std::make_shared<answer_once>([&](kv_client_response r) { got.push_back(std::move(r)); });
    kv_client_response ok;
    ok.ok = true;
    ok.served_by = "n1";
    (*answer)(ok);
    (*answer)(kv_client_response{});  // a second answer goes nowhere
  }
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].served_by == "n1");
  {
    auto dropped = std::make_shared<answer_once>([&](kv_client_response r) { got.push_back(std::move(r)); });
    local_kv_call call{caller{}, kv_client_request{}, dropped};
  }
  BOOST_TEST_REQUIRE(got.size() == 2u);
  BOOST_TEST(!got[1].ok);
  BOOST_TEST((got[1].error_code == static_cast<std::uint8_t>(status_code::unavailable)));
  BOOST_TEST(got[1].error_message.find("retry") != std::string::npos);
}
