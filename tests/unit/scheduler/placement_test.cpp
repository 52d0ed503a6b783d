// The scheduler's pure placement: the rules of placement.hpp, node death and
// return without flapping, and randomized inputs checked against the invariants.
#define BOOST_TEST_MODULE unit_scheduler_placement
#include <boost/test/unit_test.hpp>

#include <random>

#include "actors/scheduler/placement.hpp"

using namespace bucky;

namespace {

placed_spec spec(const std::string& name, std::uint32_t instances, std::vector<std::string> nodes = {},
                 std::int64_t revision = 1) {
  placed_spec placed;
  placed.spec.name = name;
  placed.spec.command = {"/bin/true"};
  placed.spec.instances = instances;
  placed.spec.nodes = std::move(nodes);
  placed.mod_revision = revision;
  return placed;
}

placement_input zone(std::set<std::string> live = {"n1", "n2", "n3"}) {
  placement_input input;
  input.nodes = {"n1", "n2", "n3"};
  input.live = std::move(live);
  return input;
}

// node -> "service/index" list, for short assertions.
std::map<std::string, std::vector<std::string>> where(const placement_output& out) {
  std::map<std::string, std::vector<std::string>> by_node;
  for (const auto& [node, config] : out.configs) {
    for (const auto& instance : config.instances) by_node[node].push_back(instance.id());
  }
  return by_node;
}

using layout = std::map<std::string, std::vector<std::string>>;

}  // namespace

BOOST_AUTO_TEST_CASE(new_instances_spread_over_the_least_loaded_nodes) {
  auto input = zone();
  input.specs["a"] = spec("a", 2);
  input.specs["b"] = spec("b", 2);
  input.specs["c"] = spec("c", 1, {"n3"});
  auto out = place(input);
  BOOST_TEST(out.unplaced.empty());
  // c is kept to n3; a and b fill the least loaded nodes, ties by name.
  BOOST_TEST((where(out) == layout{{"n1", {"a/0", "b/1"}}, {"n2", {"a/1"}}, {"n3", {"b/0", "c/0"}}}));
  // Placing again from its own output changes nothing (stable: no flapping).
  input.current = out.configs;
  BOOST_TEST((place(input).configs == out.configs));
}

BOOST_AUTO_TEST_CASE(a_dead_nodes_instances_move_and_do_not_move_back) {
  auto input = zone();
  input.specs["a"] = spec("a", 2);
  input.current = place(input).configs;
  BOOST_TEST((where(place(input)) == layout{{"n1", {"a/0"}}, {"n2", {"a/1"}}}));
  input.live = {"n2", "n3"};  // n1's lease expired
  auto moved = place(input);
  BOOST_TEST((where(moved) == layout{{"n2", {"a/1"}}, {"n3", {"a/0"}}}));
  BOOST_TEST(moved.configs.at("n1").instances.empty());  // n1 stops it when it comes back
  input.current = moved.configs;
  input.live = {"n1", "n2", "n3"};
  BOOST_TEST((place(input).configs == moved.configs));
}

// An operator's drain moves everything off a live node; undrained, nothing moves back.
BOOST_AUTO_TEST_CASE(a_drained_nodes_instances_move_off_and_stay_away_after_undrain) {
  auto input = zone();
  input.specs["a"] = spec("a", 2);
  input.specs["b"] = spec("b", 1);
  input.current = place(input).configs;
  BOOST_TEST((where(place(input)) == layout{{"n1", {"a/0"}}, {"n2", {"a/1"}}, {"n3", {"b/0"}}}));
  input.drained = {"n1"};
  auto moved = place(input);
  BOOST_TEST((where(moved) == layout{{"n2", {"a/1"}}, {"n3", {"a/0", "b/0"}}}));
  BOOST_TEST(moved.configs.at("n1").instances.empty());
  input.drained = {"n1", "n2"};  // one node left for a service of 2 instances
  input.current = moved.configs;
  auto squeezed = place(input);
  BOOST_TEST(squeezed.unplaced.size() == 1u);
  BOOST_TEST((where(squeezed) == layout{{"n3", {"a/0", "b/0"}}}));
  input.drained.clear();
  input.current = moved.configs;
  BOOST_TEST((place(input).configs == moved.configs));
}

BOOST_AUTO_TEST_CASE(too_few_allowed_nodes_leave_instances_unplaced_and_named) {
  auto input = zone({"n1"});
  input.specs["a"] = spec("a", 2, {"n1", "n2"});
  auto out = place(input);
  BOOST_TEST((where(out) == layout{{"n1", {"a/0"}}}));
  BOOST_TEST_REQUIRE(out.unplaced.size() == 1u);
  BOOST_TEST(out.unplaced[0].find("a/1") == 0u);
}

BOOST_AUTO_TEST_CASE(a_stopped_spec_of_zero_instances_leaves_every_node_and_comes_back_when_started) {
  auto input = zone();
  input.specs["notes"] = spec("notes", 1);
  input.current = place(input).configs;
  BOOST_TEST(where(place(input)).size() == 1u);
  input.specs["notes"] = spec("notes", 0, {}, 2);  // bucky app stop
  auto stopped = place(input);
  BOOST_TEST(where(stopped).empty());
  BOOST_TEST(stopped.unplaced.empty());
  input.current = stopped.configs;
  input.specs["notes"] = spec("notes", 1, {}, 3);  // bucky app start
  BOOST_TEST(where(place(input)).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_changed_spec_stays_in_place_a_removed_one_goes_and_fewer_instances_shrink) {
  auto input = zone();
  input.specs["a"] = spec("a", 3);
  input.specs["b"] = spec("b", 1);
  input.current = place(input).configs;
  auto before = where(place(input));
  input.specs["a"] = spec("a", 2, {}, 7);
  input.specs.erase("b");
  auto out = place(input);
  for (const auto& [node, config] : out.configs) {
    for (const auto& instance : config.instances) {
      BOOST_TEST(instance.service == "a");
      BOOST_TEST(instance.spec_revision == 7);
      BOOST_TEST(instance.instance < 2u);
      // It is where it was.
      const auto& was = before[node];
      BOOST_TEST((std::find(was.begin(), was.end(), instance.id()) != was.end()));
    }
  }
  // A node that left the zone config gets an empty config.
  input.current["n9"] = {"n9", {}};
  input.current["n9"].instances.push_back({"a", 0, 7});
  input.live.insert("n9");
  auto left = place(input);
  BOOST_TEST(left.configs.at("n9").instances.empty());
}

// Random zones, specs, liveness and current placements (including inconsistent
// ones: duplicates, dead nodes, stale indexes): the rules always hold.
BOOST_AUTO_TEST_CASE(random_inputs_keep_the_rules) {
  std::mt19937_64 random(42);
  const std::vector<std::string> all = {"n1", "n2", "n3", "n4", "n5"};
  for (int round = 0; round < 2'000; ++round) {
    placement_input input;
    for (const auto& node : all) {
      if (random() % 5) input.nodes.push_back(node);
      if (random() % 3) input.live.insert(node);
      if (random() % 6 == 0) input.drained.insert(node);
    }
    for (int s = 0; s < int(random() % 5); ++s) {
      std::vector<std::string> allowed;
      if (random() % 2) {
        for (const auto& node : all) {
          if (random() % 2) allowed.push_back(node);
        }
      }
      auto count = 1 + std::uint32_t(random() % 4);
      if (!allowed.empty()) count = std::min<std::uint32_t>(count, allowed.size());
      auto name = "s" + std::to_string(s);
      input.specs[name] = spec(name, count, allowed, 1 + std::int64_t(random() % 3));
    }
    for (int junk = 0; junk < int(random() % 8); ++junk) {
      auto node = all[random() % all.size()];
      auto name = "s" + std::to_string(random() % 6);
      input.current[node].node_id = node;
      input.current[node].instances.push_back({name, std::uint32_t(random() % 5), 1});
    }
    auto out = place(input);
    std::map<std::string, std::set<std::uint32_t>> placed;
    for (const auto& [node, config] : out.configs) {
      std::set<std::string> services_here;
      for (const auto& instance : config.instances) {
        const auto& wanted = input.specs.at(instance.service);  // removed services are gone
        BOOST_TEST_REQUIRE(input.live.count(node));
        BOOST_TEST_REQUIRE(!input.drained.count(node));
        BOOST_TEST_REQUIRE((std::find(input.nodes.begin(), input.nodes.end(), node) != input.nodes.end()));
        BOOST_TEST_REQUIRE((wanted.spec.nodes.empty() || std::count(wanted.spec.nodes.begin(), wanted.spec.nodes.end(), node)));
        BOOST_TEST_REQUIRE(services_here.insert(instance.service).second);  // one per node
        BOOST_TEST_REQUIRE(instance.instance < wanted.spec.instances);
        BOOST_TEST_REQUIRE(placed[instance.service].insert(instance.instance).second);  // once in the zone
        BOOST_TEST_REQUIRE(instance.spec_revision == wanted.mod_revision);
      }
    }
    // Everything is placed or named as unplaced.
    std::size_t wanted_total = 0, placed_total = 0;
    for (const auto& [name, s] : input.specs) wanted_total += s.spec.instances;
    for (const auto& [name, indexes] : placed) placed_total += indexes.size();
    BOOST_TEST_REQUIRE(placed_total + out.unplaced.size() == wanted_total);
    // Deterministic, and a fixed point.
    BOOST_TEST_REQUIRE((place(input).configs == out.configs));
    input.current = out.configs;
    BOOST_TEST_REQUIRE((place(input).configs == out.configs));
  }
}
