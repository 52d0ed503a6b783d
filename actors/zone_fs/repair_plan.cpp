#include "actors/zone_fs/repair_plan.hpp"

#include <algorithm>

#include "messages/common/check.hpp"

namespace bucky::zone_fs {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// The holders that are up, best-ranked first (the copy source is the first).
std::vector<std::string> up_holders(const std::vector<std::string>& ranked, const chunk_view& chunk,
                                    const std::vector<storage_node>& nodes) {
  std::vector<std::string> holders;
  for (const auto& node_id : ranked) {
    auto node = std::find_if(nodes.begin(), nodes.end(), [&](const storage_node& n) { return n.node_id == node_id; });
    if (node->up && contains(chunk.holders, node_id)) holders.push_back(node_id);
  }
  return holders;
}

}  // namespace

chunk_decision decide_chunk(const chunk_view& chunk, const std::vector<storage_node>& nodes, std::uint32_t copies) {
  BUCKY_CHECK(copies >= 1 && copies <= copies_max);
  chunk_decision decision;
  std::vector<std::string> ids;
  for (const auto& node : nodes) ids.push_back(node.node_id);
  const std::vector<std::string> ranked = rank_nodes(chunk.id, ids);
  const std::vector<std::string> holders = up_holders(ranked, chunk, nodes);
  if (!chunk.referenced) {
    decision.garbage = true;
    for (const auto& holder : holders) decision.actions.push_back({repair_kind::collect, chunk.id, holder, ""});
    return decision;
  }
  decision.copies_up = static_cast<std::uint32_t>(holders.size());
  if (holders.empty()) {
    decision.lost = true;
    decision.copies_missing = copies;
    return decision;
  }
  const std::vector<std::string> wanted = place_chunk(chunk.id, nodes, copies);
  const std::string& source = holders.front();
  std::uint32_t have = decision.copies_up;
  decision.copies_missing = have < copies ? copies - have : 0;
  for (const auto& node_id : wanted) {
    if (contains(holders, node_id)) continue;
    const repair_kind kind = have < copies ? repair_kind::copy : repair_kind::rebalance;
    decision.actions.push_back({kind, chunk.id, node_id, source});
    ++have;
  }
  // Extra copies go only once every wanted node holds the chunk, and never below R.
  const bool placed = wanted.size() == copies &&
                      std::all_of(wanted.begin(), wanted.end(), [&](const auto& n) { return contains(holders, n); });
  if (placed) {
    for (const auto& holder : holders) {
      if (!contains(wanted, holder)) decision.actions.push_back({repair_kind::drop, chunk.id, holder, ""});
    }
  }
  return decision;
}

repair_round plan_repair(const std::vector<chunk_view>& chunks, const std::vector<storage_node>& nodes,
                         std::uint32_t copies, const repair_budget& budget) {
  repair_round round;
  std::vector<std::pair<std::uint32_t, repair_action>> repairs;  // (copies up, action)
  std::vector<repair_action> rebalances, drops, collects;
  for (const auto& chunk : chunks) {
    const chunk_decision decision = decide_chunk(chunk, nodes, copies);
    ++round.chunks;
    round.referenced += chunk.referenced;
    round.garbage += decision.garbage;
    round.lost += decision.lost;
    round.under_replicated += decision.copies_missing > 0;
    round.copies_missing += decision.copies_missing;
    for (const auto& action : decision.actions) {
      switch (action.kind) {
        case repair_kind::copy: repairs.emplace_back(decision.copies_up, action); break;
        case repair_kind::rebalance: rebalances.push_back(action); break;
        case repair_kind::drop: drops.push_back(action); break;
        case repair_kind::collect: collects.push_back(action); break;
      }
    }
  }
  std::stable_sort(repairs.begin(), repairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::uint32_t copies_left = budget.copies_max;
  auto take = [&](std::uint32_t& left, const repair_action& action) {
    if (left == 0) return void(++round.deferred);
    --left;
    round.actions.push_back(action);
  };
  for (const auto& [unused, action] : repairs) take(copies_left, action);
  for (const auto& action : rebalances) take(copies_left, action);
  std::uint32_t drops_left = budget.drops_max, collects_left = budget.collects_max;
  for (const auto& action : drops) take(drops_left, action);
  for (const auto& action : collects) take(collects_left, action);
  return round;
}

}  // namespace bucky::zone_fs
