// Partition specs (groups of nodes) turned into each node's blocked set, the
// refusals a typo gets, and the injected faults' own bookkeeping.
#define BOOST_TEST_MODULE unit_fault_injector_partition
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "actors/fault_injector/partition.hpp"
#include "actors/runtime/injected_faults.hpp"

using namespace bucky;
using set = std::set<std::string>;

namespace {

const std::vector<std::string> three = {"n1", "n2", "n3"};
const std::vector<std::string> five = {"n1", "n2", "n3", "n4", "n5"};

std::string refusal(const std::vector<std::string>& nodes, const std::string& spec) {
  auto blocks = partition_blocks(nodes, spec);
  BOOST_TEST_REQUIRE(!blocks);
  BOOST_TEST((blocks.error().code() == status_code::invalid_argument));
  return blocks.error().message();
}

// Symmetric: a blocks b exactly when b blocks a; nobody blocks itself.
void check_symmetric(const std::map<std::string, set>& blocks) {
  for (const auto& [node, blocked] : blocks) {
    BOOST_TEST(!blocked.count(node));
    for (const auto& other : blocked) BOOST_TEST(blocks.at(other).count(node), node << " and " << other);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_node_cut_off_from_the_others) {
  auto blocks = partition_blocks(three, "n1|n2,n3").value();
  BOOST_TEST((blocks["n1"] == set{"n2", "n3"}));
  BOOST_TEST((blocks["n2"] == set{"n1"}));
  BOOST_TEST((blocks["n3"] == set{"n1"}));
  check_symmetric(blocks);
}

BOOST_AUTO_TEST_CASE(majority_and_minority_of_five) {
  auto blocks = partition_blocks(five, "n4,n5|n1,n2,n3").value();
  BOOST_TEST((blocks["n1"] == set{"n4", "n5"}));
  BOOST_TEST((blocks["n5"] == set{"n1", "n2", "n3"}));
  check_symmetric(blocks);
}

BOOST_AUTO_TEST_CASE(a_bridge_node_reaches_both_sides_that_do_not_reach_each_other) {
  auto blocks = partition_blocks(five, "n1,n2,n3|n3,n4,n5").value();
  BOOST_TEST(blocks["n3"].empty());
  BOOST_TEST((blocks["n1"] == set{"n4", "n5"}));
  BOOST_TEST((blocks["n4"] == set{"n1", "n2"}));
  check_symmetric(blocks);
}

BOOST_AUTO_TEST_CASE(a_ring_lets_each_node_reach_its_two_neighbours_only) {
  auto blocks = partition_blocks(five, "n1,n2|n2,n3|n3,n4|n4,n5|n5,n1").value();
  for (const auto& [node, blocked] : blocks) BOOST_TEST(blocked.size() == 2u, node);
  BOOST_TEST((blocks["n1"] == set{"n3", "n4"}));
  BOOST_TEST((blocks["n3"] == set{"n1", "n5"}));
  check_symmetric(blocks);
}

BOOST_AUTO_TEST_CASE(specs_that_cannot_mean_what_was_meant_are_refused_with_the_reason) {
  BOOST_TEST(refusal(three, "n1|n2").find("n3 not in any group") != std::string::npos);
  BOOST_TEST(refusal(three, "n1|n2,n4,n3").find("n4 is not a node of the zone (n1,n2,n3)") != std::string::npos);
  BOOST_TEST(refusal(three, "n1,n2,n3").find("one group is no partition") != std::string::npos);
  BOOST_TEST(refusal(three, "n1||n2,n3").find("an empty group") != std::string::npos);
  BOOST_TEST(refusal(three, "n1|n2,n3|").find("an empty group") != std::string::npos);
  BOOST_TEST(refusal(three, "n1,|n2,n3").find("an empty node name") != std::string::npos);
  BOOST_TEST(refusal(three, "n1,n1|n2,n3").find("n1 twice in one group") != std::string::npos);
  BOOST_TEST(refusal(three, "").find("groups of node names like n1,n2|n3") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(injected_faults_say_what_they_hold_and_a_full_disk_refuses_writes) {
  injected_faults faults;
  BOOST_TEST(faults.describe() == "none");
  BOOST_TEST(faults.before_disk_write().is_ok());
  faults.block_only({"n2", "n3"});
  BOOST_TEST(faults.blocks("n2"));
  BOOST_TEST(!faults.blocks("n1"));
  faults.set_disk(20, true);
  faults.jump_clock(5'000);
  faults.jump_clock(1'000);
  BOOST_TEST(faults.describe() == "blocked n2,n3; disk delay 20 ms full; clock +6000 ms");
  auto started = std::chrono::steady_clock::now();
  auto written = faults.before_disk_write();
  BOOST_TEST((std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(20)));
  BOOST_TEST((written.code() == status_code::io_error));
  BOOST_TEST(written.message().find("No space left on device") != std::string::npos);
  faults.block_only({});
  faults.set_disk(0, false);
  BOOST_TEST(faults.describe() == "clock +6000 ms");
}
