// Seeded simulation of the repair actor's rules (actors/zone_fs/repair_plan.hpp)
// over a zone whose nodes fail, lose their disks, come back and join, while new
// chunks are written to their placements. Each round's actions are carried out
// as the chunk stores would (a copy needs its source up; a drop or collect just
// removes). Checked: a referenced chunk never falls below R up copies through a
// drop or collect; once faults stop, every referenced chunk that still had an up
// copy ends on exactly its first R nodes, and garbage is gone.
// BUCKY_SIM_SEED=N replays one seed; BUCKY_SIM_SEEDS / BUCKY_SIM_BASE_SEED choose a range.
#define BOOST_TEST_MODULE sim_zone_fs_repair
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "actors/zone_fs/repair_plan.hpp"
#include "storage/chunk_hash.hpp"

using namespace bucky;
using namespace bucky::zone_fs;

namespace {

constexpr std::uint32_t copies = 2;
constexpr std::uint32_t fault_rounds = 40;
constexpr std::uint32_t settle_rounds_max = 50;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  return text ? std::strtoull(text, nullptr, 10) : fallback;
}

class zone {
 public:
  explicit zone(std::uint64_t seed) : random_(seed) {
    for (int i = 1; i <= 4; ++i) nodes_.push_back({"n" + std::to_string(i), true, true});
  }

  void run() {
    for (std::uint32_t round = 0; round < fault_rounds; ++round) {
      write_chunks();
      fault();
      repair_round_once();
    }
    for (auto& node : nodes_) node.up = true;  // faults stop: the down nodes return
    std::uint32_t rounds = 0;
    while (repair_round_once() && ++rounds < settle_rounds_max) {
    }
    BOOST_TEST(rounds < settle_rounds_max, "repair did not settle");
    check_settled();
  }

 private:
  std::uint32_t pick(std::uint32_t below) { return static_cast<std::uint32_t>(random_() % below); }

  void write_chunks() {
    for (std::uint32_t i = pick(5); i > 0; --i) {
      const chunk_id id = chunk_hash("chunk " + std::to_string(next_chunk_++));
      const auto holders = place_chunk(id, nodes_, copies);
      if (holders.size() < copies) continue;  // the writer gets EAGAIN, nothing referenced
      for (const auto& holder : holders) held_[holder].insert(id);
      referenced_.insert(id);
    }
    if (!referenced_.empty() && pick(4) == 0) {  // a file deleted: its chunk becomes garbage
      auto victim = referenced_.begin();
      std::advance(victim, pick(static_cast<std::uint32_t>(referenced_.size())));
      referenced_.erase(victim);
    }
  }

  void fault() {
    auto& node = nodes_[pick(static_cast<std::uint32_t>(nodes_.size()))];
    switch (pick(6)) {
      case 0: node.up = false; break;                    // a machine goes down
      case 1: node.up = true; break;                     // and comes back
      case 2: held_[node.node_id].clear(); break;        // its chunk directory is wiped
      case 3:
        if (nodes_.size() < 6) nodes_.push_back({"n" + std::to_string(nodes_.size() + 1), true, true});
        break;
      default: break;
    }
    // At most one node down at a time: the promise is about any one.
    std::uint32_t down = 0;
    for (auto& n : nodes_) down += !n.up;
    if (down > 1) node.up = true;
  }

  std::uint32_t up_copies(const chunk_id& id) {
    std::uint32_t count = 0;
    for (const auto& node : nodes_) count += node.up && held_[node.node_id].count(id);
    return count;
  }

  // Returns whether the round did anything.
  bool repair_round_once() {
    std::map<chunk_id, chunk_view> views;
    for (const auto& node : nodes_) {
      if (!node.up) continue;
      for (const auto& id : held_[node.node_id]) views[id].holders.push_back(node.node_id);
    }
    for (const auto& id : referenced_) views[id].id = id;
    std::vector<chunk_view> chunks;
    for (auto& [id, view] : views) {
      view.id = id;
      view.referenced = referenced_.count(id) > 0;
      chunks.push_back(view);
    }
    repair_round round = plan_repair(chunks, nodes_, copies);
    // The actor sends a round's actions at once: they land in any order, and a
    // copy may fail (its source busy, the wire cut).
    std::shuffle(round.actions.begin(), round.actions.end(), random_);
    for (const auto& action : round.actions) carry_out(action);
    return !round.actions.empty();
  }

  void carry_out(const repair_action& action) {
    auto node = std::find_if(nodes_.begin(), nodes_.end(), [&](const storage_node& n) { return n.node_id == action.node; });
    if (!node->up) return;
    if (action.kind == repair_kind::copy || action.kind == repair_kind::rebalance) {
      if (pick(5) == 0) return;
      if (held_[action.source].count(action.chunk)) held_[action.node].insert(action.chunk);
      return;
    }
    const bool referenced = referenced_.count(action.chunk) > 0;
    BOOST_REQUIRE_MESSAGE(!(action.kind == repair_kind::collect && referenced), "collect of a referenced chunk");
    held_[action.node].erase(action.chunk);
    if (referenced) BOOST_REQUIRE_MESSAGE(up_copies(action.chunk) >= copies, "a drop left fewer than R copies");
  }

  void check_settled() {
    std::vector<std::string> ids;
    for (const auto& node : nodes_) ids.push_back(node.node_id);
    for (const auto& id : referenced_) {
      std::set<std::string> holders;
      for (const auto& node : nodes_) {
        if (held_[node.node_id].count(id)) holders.insert(node.node_id);
      }
      if (holders.empty()) continue;  // every copy was wiped with its disks: lost, reported
      const auto ranked = rank_nodes(id, ids);
      const std::set<std::string> wanted(ranked.begin(), ranked.begin() + copies);
      BOOST_REQUIRE_MESSAGE(holders == wanted, "chunk " << id.short_hex() << " not on its first R nodes");
    }
    for (const auto& [node, chunks] : held_) {
      for (const auto& id : chunks) BOOST_REQUIRE_MESSAGE(referenced_.count(id), "garbage left on " << node);
    }
  }

  std::mt19937_64 random_;
  std::vector<storage_node> nodes_;
  std::map<std::string, std::set<chunk_id>> held_;
  std::set<chunk_id> referenced_;
  std::uint64_t next_chunk_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(seeded_node_losses_end_with_every_surviving_chunk_on_its_first_r_nodes) {
  if (const char* only = std::getenv("BUCKY_SIM_SEED")) {
    zone(std::strtoull(only, nullptr, 10)).run();
    return;
  }
  const std::uint64_t base = env_number("BUCKY_SIM_BASE_SEED", 20'000);
  const std::uint64_t count = env_number("BUCKY_SIM_SEEDS", 200);
  for (std::uint64_t seed = base; seed < base + count; ++seed) {
    BOOST_TEST_CONTEXT("seed " << seed << " (replay: BUCKY_SIM_SEED=" << seed << ")") { zone(seed).run(); }
  }
}
