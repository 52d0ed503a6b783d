// Rendezvous placement of chunks and the repair actor's decisions
// (actors/zone_fs/chunk_placement.hpp, repair_plan.hpp).
#define BOOST_TEST_MODULE zone_fs_placement
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "actors/zone_fs/repair_plan.hpp"
#include "storage/chunk_hash.hpp"

using namespace bucky;
using namespace bucky::zone_fs;

namespace {

chunk_id chunk_number(int n) { return chunk_hash("chunk " + std::to_string(n)); }

std::vector<storage_node> up_nodes(std::initializer_list<const char*> ids) {
  std::vector<storage_node> nodes;
  for (const char* id : ids) nodes.push_back({id, true, true});
  return nodes;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ranking_is_a_permutation_independent_of_input_order) {
  const std::vector<std::string> a{"n1", "n2", "n3", "n4"}, b{"n4", "n3", "n1", "n2"};
  for (int i = 0; i < 100; ++i) {
    auto ranked = rank_nodes(chunk_number(i), a);
    BOOST_TEST(ranked == rank_nodes(chunk_number(i), b));
    std::sort(ranked.begin(), ranked.end());
    BOOST_TEST(ranked == a);
  }
}

BOOST_AUTO_TEST_CASE(first_places_spread_evenly_and_a_new_node_takes_only_its_share) {
  const std::vector<std::string> three{"n1", "n2", "n3"};
  std::vector<std::string> four = three;
  four.push_back("n4");
  std::map<std::string, int> first;
  int moved = 0, moved_elsewhere = 0;
  const int chunks = 20'000;
  for (int i = 0; i < chunks; ++i) {
    const auto before = rank_nodes(chunk_number(i), three)[0];
    const auto after = rank_nodes(chunk_number(i), four)[0];
    ++first[after];
    if (before != after) {
      ++moved;
      moved_elsewhere += after != "n4";
    }
  }
  for (const auto& [node, count] : first) BOOST_TEST(std::abs(count - chunks / 4) < chunks / 40, node << " " << count);
  BOOST_TEST(std::abs(moved - chunks / 4) < chunks / 40);
  BOOST_TEST(moved_elsewhere == 0);
}

BOOST_AUTO_TEST_CASE(placement_skips_down_and_full_nodes_and_never_doubles) {
  auto nodes = up_nodes({"n1", "n2", "n3"});
  const chunk_id chunk = chunk_number(1);
  const auto ranked = rank_nodes(chunk, {"n1", "n2", "n3"});
  BOOST_TEST(place_chunk(chunk, nodes, 2) == std::vector<std::string>(ranked.begin(), ranked.begin() + 2));
  for (auto& node : nodes) node.up = node.node_id != ranked[0];
  BOOST_TEST(place_chunk(chunk, nodes, 2) == std::vector<std::string>({ranked[1], ranked[2]}));
  for (auto& node : nodes) node.has_room = node.node_id != ranked[1];
  BOOST_TEST(place_chunk(chunk, nodes, 2) == std::vector<std::string>({ranked[2]}));
  nodes.push_back({ranked[2], true, true});  // listed twice
  BOOST_TEST(place_chunk(chunk, nodes, 3).size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_under_replicated_chunk_is_copied_from_its_best_holder_to_its_wanted_nodes) {
  auto nodes = up_nodes({"n1", "n2", "n3", "n4"});
  const chunk_id chunk = chunk_number(2);
  const auto ranked = rank_nodes(chunk, {"n1", "n2", "n3", "n4"});
  const auto decision = decide_chunk({chunk, true, {ranked[3]}}, nodes, 2);
  BOOST_TEST(decision.copies_missing == 1u);
  BOOST_REQUIRE(decision.actions.size() == 2u);  // one repair, one rebalance toward the first two
  BOOST_TEST((decision.actions[0] == repair_action{repair_kind::copy, chunk, ranked[0], ranked[3]}));
  BOOST_TEST((decision.actions[1] == repair_action{repair_kind::rebalance, chunk, ranked[1], ranked[3]}));
  // Once both wanted nodes hold it, the old copy goes.
  const auto settled = decide_chunk({chunk, true, {ranked[3], ranked[0], ranked[1]}}, nodes, 2);
  BOOST_REQUIRE(settled.actions.size() == 1u);
  BOOST_TEST((settled.actions[0] == repair_action{repair_kind::drop, chunk, ranked[3], ""}));
}

BOOST_AUTO_TEST_CASE(copies_on_down_nodes_do_not_count_and_are_never_dropped_below_r) {
  auto nodes = up_nodes({"n1", "n2", "n3"});
  const chunk_id chunk = chunk_number(3);
  const auto ranked = rank_nodes(chunk, {"n1", "n2", "n3"});
  for (auto& node : nodes) node.up = node.node_id != ranked[0];
  // Held by the down first and the up third: one copy up, so copy to the second.
  const auto decision = decide_chunk({chunk, true, {ranked[2]}}, nodes, 2);
  BOOST_TEST(decision.copies_up == 1u);
  BOOST_REQUIRE(decision.actions.size() == 1u);
  BOOST_TEST((decision.actions[0] == repair_action{repair_kind::copy, chunk, ranked[1], ranked[2]}));
  // Nobody up holds it: lost for now, nothing to do.
  const auto lost = decide_chunk({chunk, true, {}}, nodes, 2);
  BOOST_TEST(lost.lost);
  BOOST_TEST(lost.actions.empty());
}

BOOST_AUTO_TEST_CASE(an_unreferenced_chunk_is_collected_by_every_holder) {
  const auto decision = decide_chunk({chunk_number(4), false, {"n1", "n3"}}, up_nodes({"n1", "n2", "n3"}), 2);
  BOOST_TEST(decision.garbage);
  BOOST_TEST(decision.actions.size() == 2u);
  for (const auto& action : decision.actions) BOOST_TEST((action.kind == repair_kind::collect));
}

BOOST_AUTO_TEST_CASE(a_round_repairs_the_most_endangered_chunks_first_within_its_budget) {
  auto nodes = up_nodes({"n1", "n2", "n3", "n4"});
  std::vector<chunk_view> chunks;
  for (int i = 0; i < 10; ++i) {
    const auto ranked = rank_nodes(chunk_number(i), {"n1", "n2", "n3", "n4"});
    // Even chunks have two copies of three, odd ones one.
    std::vector<std::string> holders{ranked[0]};
    if (i % 2 == 0) holders.push_back(ranked[1]);
    chunks.push_back({chunk_number(i), true, holders});
  }
  repair_budget budget;
  budget.copies_max = 5;
  const auto round = plan_repair(chunks, nodes, 3, budget);
  BOOST_TEST(round.under_replicated == 10u);
  BOOST_TEST(round.copies_missing == 15u);
  BOOST_REQUIRE(round.actions.size() == 5u);
  for (const auto& action : round.actions) {
    auto found = std::find_if(chunks.begin(), chunks.end(), [&](const chunk_view& c) { return c.id == action.chunk; });
    BOOST_TEST(found->holders.size() == 1u);  // only the one-copy chunks in this round
  }
  BOOST_TEST(round.deferred == 10u);
}
