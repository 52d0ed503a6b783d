// Chaos on real processes (issue 7): a zone of 3 or 5 nodes made by the CLI, the
// workload of workload.hpp (puts, linearizable gets, compare-and-set txns, watchers
// resuming across faults) through the etcd JSON API of every node, while a seeded
// timeline of faults runs: kill -9 (leader, random node), SIGSTOP/SIGCONT pauses,
// restart storms, network partitions (one node, majority/minority, ring, bridge)
// and their healing, a slow or full disk, clock jumps. Afterwards every node runs
// again, every fault is healed, and:
//   - every replica holds the same keys, values and revisions (compared through
//     each node's own applied state),
//   - the history is linearizable (tests/sim/checker), so every acknowledged write
//     is there or was overwritten by a later one,
//   - a watch from the first revision, asked of every node, delivers the same
//     changes in the same order, each once, and every acknowledged write among
//     them; each watcher that ran during the faults got a prefix of them.
// One row per run: scenario, nodes, seed, ops, unknown outcomes, faults, result.
//
// The seed fixes the fault timeline and the clients' choices; the OS schedules the
// processes, so a failing seed is a strong hint to replay, not an exact replay.
// CI runs each scenario once, briefly; tools/chaos runs the matrix:
//   BUCKY_CHAOS_SCENARIOS=kill_leader,pause BUCKY_CHAOS_SEEDS=1-5 BUCKY_CHAOS_SECONDS=20 build/tests/chaos_zone
#define BOOST_TEST_MODULE chaos_zone
#include <utility>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>

#include "tests/chaos/workload.hpp"

using namespace bucky;
using namespace bucky::testing;
using namespace std::chrono_literals;

namespace {

using clock_point = std::chrono::steady_clock::time_point;
using timeline = std::function<void(chaos_zone&, std::mt19937_64&, clock_point)>;

struct scenario {
  std::size_t nodes = 3;
  timeline run;
};

void sleep_ms(std::mt19937_64& random, int low, int high) {
  std::this_thread::sleep_for(std::chrono::milliseconds(low + int(random() % std::uint64_t(high - low + 1))));
}

template <class T>
const T& pick(std::mt19937_64& random, const std::vector<T>& from) {
  return from[random() % from.size()];
}

// The leader half the time (faults there hurt most), else any node.
std::string victim(chaos_zone& zone, std::mt19937_64& random) {
  auto leader = random() % 2 ? zone.leader() : "";
  return leader.empty() ? pick(random, zone.names) : leader;
}

// kill -9, down for low..high ms, started again.
void bounce(chaos_zone& zone, const std::string& node, std::mt19937_64& random, int low_ms, int high_ms) {
  zone.kill(node);
  sleep_ms(random, low_ms, high_ms);
  zone.start(node);
}

// Repeats `fault` (which injects, holds and undoes one fault) with pauses between.
timeline every(int low_ms, int high_ms, std::function<void(chaos_zone&, std::mt19937_64&)> fault) {
  return [=](chaos_zone& zone, std::mt19937_64& random, clock_point until) {
    while (std::chrono::steady_clock::now() < until) {
      sleep_ms(random, low_ms, high_ms);
      fault(zone, random);
    }
  };
}

// A partition held for 1-3 s (past several election timeouts), then healed.
void hold_partition(chaos_zone& zone, std::mt19937_64& random, const std::string& groups) {
  if (!zone.partition(groups)) return;
  sleep_ms(random, 1'000, 3'000);
  zone.heal_links_and_disks();
}

std::string join(const std::vector<std::string>& names, std::size_t from, std::size_t to) {
  std::string out;
  for (auto i = from; i < to; ++i) out += (out.empty() ? "" : ",") + names[i];
  return out;
}

std::vector<std::string> shuffled(chaos_zone& zone, std::mt19937_64& random) {
  auto names = zone.names;
  std::shuffle(names.begin(), names.end(), random);
  return names;
}

const std::map<std::string, scenario> scenarios = {
    {"kill_leader", {3, every(800, 1'500, [](chaos_zone& zone, std::mt19937_64& random) {
                       auto leader = zone.leader();
                       if (!leader.empty()) bounce(zone, leader, random, 300, 1'200);
                     })}},
    {"kill_random", {3, every(500, 1'500, [](chaos_zone& zone, std::mt19937_64& random) {
                       bounce(zone, pick(random, zone.names), random, 200, 1'500);
                     })}},
    {"pause", {3, every(300, 1'000, [](chaos_zone& zone, std::mt19937_64& random) {
                 zone.pause(victim(zone, random));
                 sleep_ms(random, 500, 2'500);  // past an election timeout: a paused leader is deposed
                 zone.resume_all();
               })}},
    {"restart_storm", {3, every(1'000, 2'000, [](chaos_zone& zone, std::mt19937_64& random) {
                         for (int burst = 0; burst < 6; ++burst) bounce(zone, pick(random, zone.names), random, 50, 300);
                       })}},
    // One node (the leader half the time) cut off from all others.
    {"partition_one", {3, every(500, 1'500, [](chaos_zone& zone, std::mt19937_64& random) {
                         auto alone = victim(zone, random);
                         std::vector<std::string> rest;
                         for (const auto& name : zone.names) {
                           if (name != alone) rest.push_back(name);
                         }
                         hold_partition(zone, random, alone + "|" + join(rest, 0, rest.size()));
                       })}},
    // Two against three, the leader on either side.
    {"partition_halves", {5, every(500, 1'500, [](chaos_zone& zone, std::mt19937_64& random) {
                            auto names = shuffled(zone, random);
                            hold_partition(zone, random, join(names, 0, 2) + "|" + join(names, 2, 5));
                          })}},
    // Each node reaches its two neighbours on a ring: every node sees a majority,
    // no two of them the same.
    {"partition_ring", {5, every(500, 1'500, [](chaos_zone& zone, std::mt19937_64& random) {
                          auto names = shuffled(zone, random);
                          std::string groups;
                          for (std::size_t i = 0; i < names.size(); ++i) {
                            groups += (groups.empty() ? "" : "|") + names[i] + "," + names[(i + 1) % names.size()];
                          }
                          hold_partition(zone, random, groups);
                        })}},
    // Two sides of two that only one bridge node reaches.
    {"partition_bridge", {5, every(500, 1'500, [](chaos_zone& zone, std::mt19937_64& random) {
                            auto names = shuffled(zone, random);
                            hold_partition(zone, random, join(names, 0, 3) + "|" + join(names, 2, 5));
                          })}},
    // Every commit of one node's zone state waits 50-500 ms, for 1-3 s.
    {"slow_disk", {3, every(500, 1'500, [](chaos_zone& zone, std::mt19937_64& random) {
                     if (!zone.disk(victim(zone, random), 50 + random() % 451, false)) return;
                     sleep_ms(random, 1'000, 3'000);
                     zone.heal_links_and_disks();
                   })}},
    // One node's zone-state disk refuses every write for 1-3 s.
    {"full_disk", {3, every(500, 1'500, [](chaos_zone& zone, std::mt19937_64& random) {
                     if (!zone.disk(victim(zone, random), 0, true)) return;
                     sleep_ms(random, 1'000, 3'000);
                     zone.heal_links_and_disks();
                   })}},
    // One node's monotonic clock jumps 0.5-30 s ahead: its elections and lease
    // expiry run early; nothing that decides what is chosen reads a clock.
    {"clock_jump", {3, every(300, 1'500, [](chaos_zone& zone, std::mt19937_64& random) {
                      zone.clock_jump(victim(zone, random), 500 + random() % 29'501);
                    })}},
};

// The last word on each key, read when nothing else runs.
void read_final_values(chaos_zone& zone, recorded_history& history) {
  for (int k = 0; k < chaos_keys; ++k) {
    http_client reader("127.0.0.1", zone.api_ports[zone.names[0]], zone.token);
    sim::kv_operation last;
    last.key = "k" + std::to_string(k);
    last.client = 99;
    for (int attempt = 0; attempt < 50; ++attempt) {
      last.invoke_ns = now_ns();
      auto answer = reader.post("/v3/kv/range", json{{"key", etcd::to_base64(last.key)}}.dump(), 3s);
      last.complete_ns = now_ns();
      if (answer.status != 200) {
        std::this_thread::sleep_for(200ms);
        continue;
      }
      auto got = json::parse(answer.body);
      if (got.contains("kvs")) last.value = *etcd::from_base64(got["kvs"][0].value("value", ""), "value");
      history.add(last);
      break;
    }
  }
}

bool run_one(const std::string& name, std::uint64_t seed, double seconds) {
  BOOST_TEST_REQUIRE(scenarios.count(name) == 1u, "unknown scenario " + name);
  const auto& chosen = scenarios.at(name);
  chaos_zone zone(chosen.nodes);
  recorded_history history;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (std::uint32_t id = 0; id < 6; ++id) {
    threads.emplace_back([&, id] { run_client(zone, id, seed, stop, history); });
  }
  std::vector<std::vector<watched_event>> concurrent(2);
  for (std::size_t w = 0; w < concurrent.size(); ++w) {
    threads.emplace_back([&, w] { run_watcher(zone, w, stop, concurrent[w]); });
  }
  auto started = std::chrono::steady_clock::now();
  std::mt19937_64 random(seed);
  chosen.run(zone, random, started + std::chrono::milliseconds(static_cast<int>(seconds * 1000)));
  zone.heal();
  std::this_thread::sleep_for(2s);  // clients go on against the healed zone
  stop = true;
  for (auto& thread : threads) thread.join();
  read_final_values(zone, history);
  auto contents = replica_contents(zone);
  bool same = contents.size() == zone.names.size();
  for (const auto& [node, content] : contents) same = same && content == contents.begin()->second;
  auto checked = sim::check_linearizable(history.operations);
  auto watch_problem = check_watches(zone, history, concurrent);
  std::size_t unknown = 0;
  for (const auto& op : history.operations) unknown += op.completed ? 0 : 1;
  bool ok = same && checked.linearizable && !checked.budget_exhausted && history.acknowledged > 50 &&
            watch_problem.empty();
  auto row = fmt::format("chaos {:<17} nodes {}  seed {:>4}  ops {:>6}  unknown {:>4}  watched {:>5}/{:<5}  faults {:>3}  {}",
                         name, zone.names.size(), seed, history.acknowledged.load(), unknown, concurrent[0].size(),
                         concurrent[1].size(), zone.faults, ok ? "ok" : "FAILED");
  std::printf("%s\n", row.c_str());
  std::fflush(stdout);
  BOOST_TEST(same, "replicas differ: " << [&] {
    std::string all;
    for (const auto& [node, content] : contents) all += node + " " + content.substr(0, 300) + " ";
    return all;
  }());
  BOOST_TEST(checked.linearizable, "not linearizable on key " << checked.key << ": " << checked.explanation);
  BOOST_TEST(!checked.budget_exhausted);
  BOOST_TEST(watch_problem.empty(), watch_problem);
  BOOST_TEST(history.acknowledged > 50u, "too little progress: " << history.acknowledged);
  if (!ok) {
    std::printf("  replay: BUCKY_CHAOS_SCENARIOS=%s BUCKY_CHAOS_SEEDS=%llu BUCKY_CHAOS_SECONDS=%.0f %s\n", name.c_str(),
                static_cast<unsigned long long>(seed), seconds, "build/tests/chaos_zone");
  }
  return ok;
}

std::vector<std::uint64_t> seeds_from_env() {
  const char* text = std::getenv("BUCKY_CHAOS_SEEDS");  // "1-5" or "7"
  if (!text) return {1};
  std::string range(text);
  auto dash = range.find('-');
  std::uint64_t first = std::stoull(range.substr(0, dash));
  std::uint64_t last = dash == std::string::npos ? first : std::stoull(range.substr(dash + 1));
  std::vector<std::uint64_t> seeds;
  for (auto seed = first; seed <= last && seeds.size() < 1'000; ++seed) seeds.push_back(seed);
  return seeds;
}

std::vector<std::string> scenarios_from_env() {
  const char* text = std::getenv("BUCKY_CHAOS_SCENARIOS");
  std::vector<std::string> names;
  if (!text) {
    for (const auto& [name, run] : scenarios) names.push_back(name);
    return names;
  }
  std::stringstream list(text);
  for (std::string name; std::getline(list, name, ',');) names.push_back(name);
  return names;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_scenario_keeps_the_zones_promises) {
  const char* seconds_text = std::getenv("BUCKY_CHAOS_SECONDS");
  double seconds = seconds_text ? std::stod(seconds_text) : 6;
  std::size_t runs = 0, failed = 0;
  for (const auto& name : scenarios_from_env()) {
    for (auto seed : seeds_from_env()) {
      ++runs;
      if (!run_one(name, seed, seconds)) ++failed;
    }
  }
  std::printf("chaos: %zu runs, %zu failed\n", runs, failed);
}
