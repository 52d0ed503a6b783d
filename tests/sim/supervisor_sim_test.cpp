// Seeded simulation of supervisor_core: random crashes, normal exits, slow stops
// and shutdown requests, with the shell emulated exactly as node_daemon runs it.
// Every step checks the safety invariants; every run must end with the daemon gone.
// A failing seed is printed; replay it with BUCKY_SIM_SEED=<seed>, then add it to
// regression_seeds below.
#define BOOST_TEST_MODULE sim_supervisor
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "actors/node_daemon/supervisor_core.hpp"

using namespace bucky;
using kind = supervisor_command::kind;

namespace {

constexpr std::uint64_t seeds_per_run = 3'000;
constexpr int steps_max = 400;
// 63609002639: a crash reported during a rest_for_one plan is decided (and counted
// against the intensity) when the plan ends; the oracle had counted it at its report.
const std::uint64_t regression_seeds[] = {1, 2, 3, 63609002639};

struct world {
  std::mt19937_64 random;
  std::vector<child_policy> policies;
  restart_intensity intensity;
  supervisor_core core;
  std::vector<bool> alive;
  std::vector<std::uint64_t> started_seq;
  std::optional<std::size_t> stop_outstanding;
  std::uint64_t start_counter = 0;
  std::uint64_t now_ms = 0;
  // Restart decisions as seen from outside: a child that went down on its own gets
  // its decision when its restart count next rises (a crash reported during a plan
  // is decided after the plan, at that later time). Counting a dependent's rise too
  // only over-counts, which keeps the exit check sound.
  std::set<std::size_t> awaiting_decision;
  std::vector<std::uint32_t> restart_counts;
  std::deque<std::uint64_t> decisions_ms;
  std::optional<int> exit_code;
  bool shutdown_requested = false;
  std::optional<std::uint64_t> shutdown_began_ms;  // when the core decided to stop
  int last_shutdown_stop = -1;
  std::ostringstream trace;

  static std::vector<child_policy> random_policies(std::mt19937_64& random) {
    std::vector<child_policy> out;
    std::size_t count = 1 + random() % 5;
    for (std::size_t i = 0; i < count; ++i) {
      out.push_back({"c" + std::to_string(i), static_cast<restart_type>(random() % 3),
                     static_cast<restart_strategy>(random() % 2)});
    }
    return out;
  }

  explicit world(std::uint64_t seed)
      : random(seed),
        policies(random_policies(random)),
        intensity{static_cast<std::uint32_t>(random() % 6),
                  static_cast<std::uint64_t>(100 + random() % 2'000)},
        core(policies, intensity),
        alive(policies.size(), false),
        started_seq(policies.size(), 0) {}

  void fail(const std::string& what) {
    BOOST_FAIL(what << "\ntrace:\n" << trace.str());
  }

  void execute(const supervisor_commands& commands) {
    for (const auto& command : commands) {
      trace << "  cmd " << static_cast<int>(command.what) << " child " << command.child << "\n";
      if (exit_code) fail("command after exit_daemon");
      switch (command.what) {
        case kind::start_child:
          if (alive[command.child]) fail("start of a live child");
          alive[command.child] = true;
          started_seq[command.child] = ++start_counter;
          break;
        case kind::stop_child:
          if (!alive[command.child]) fail("stop of a dead child");
          if (stop_outstanding) fail("two stops outstanding");
          stop_outstanding = command.child;
          if (core.shutting_down()) {
            if (last_shutdown_stop >= 0 && static_cast<int>(command.child) >= last_shutdown_stop) {
              fail("shutdown stops not in reverse start order");
            }
            last_shutdown_stop = static_cast<int>(command.child);
          }
          break;
        case kind::exit_daemon:
          for (bool a : alive) {
            if (a) fail("exit_daemon with a live child");
          }
          exit_code = command.exit_code;
          check_exit_code(command);
          break;
      }
    }
  }

  void check_exit_code(const supervisor_command& command) {
    if (command.exit_code == 0) {
      if (!shutdown_requested) fail("exit 0 without a shutdown request");
      return;
    }
    // Failure only when the restart that tripped it (not counted as a rise) and the
    // decisions before it within the period are more than restarts_max.
    std::size_t recent = 1;
    for (auto at : decisions_ms) {
      recent += at <= *shutdown_began_ms && at + intensity.period_ms > *shutdown_began_ms;
    }
    if (recent <= intensity.restarts_max) fail("exit 1 within the restart budget");
  }

  void note_decisions() {
    if (restart_counts.empty()) restart_counts.assign(policies.size(), 0);
    for (std::size_t child = 0; child < policies.size(); ++child) {
      auto count = core.status(child).restart_count;
      if (count > restart_counts[child] && awaiting_decision.erase(child)) decisions_ms.push_back(now_ms);
      restart_counts[child] = count;
    }
  }

  void check_dependents_started_after_their_dependency() {
    if (stop_outstanding || exit_code || core.shutting_down()) return;
    for (std::size_t i = 0; i < policies.size(); ++i) {
      if (!alive[i] || policies[i].strategy != restart_strategy::rest_for_one) continue;
      for (std::size_t later = i + 1; later < policies.size(); ++later) {
        if (alive[later] && started_seq[later] < started_seq[i]) {
          fail("child " + std::to_string(later) + " runs from before its dependency " +
               std::to_string(i) + " restarted");
        }
      }
    }
  }

  void child_down(std::size_t child, exit_kind how) {
    bool planned = stop_outstanding == child;
    if (planned) stop_outstanding.reset();
    alive[child] = false;
    if (!planned && !core.shutting_down()) awaiting_decision.insert(child);
    trace << "down " << child << " how " << static_cast<int>(how) << " at " << now_ms << "\n";
    auto commands = core.on_child_down(child, how, "sim", {now_ms, static_cast<std::int64_t>(now_ms)});
    if (core.shutting_down() && !shutdown_began_ms) shutdown_began_ms = now_ms;
    note_decisions();
    execute(commands);
  }

  void step() {
    auto dice = random() % 100;
    now_ms += random() % 50;
    if (dice < 35 && stop_outstanding) {
      child_down(*stop_outstanding, exit_kind::shutdown);
    } else if (dice < 70) {
      std::size_t child = random() % alive.size();
      if (alive[child]) child_down(child, random() % 4 == 0 ? exit_kind::normal : exit_kind::crash);
    } else if (dice < 72 && !shutdown_requested) {
      shutdown_requested = !core.shutting_down();
      trace << "shutdown requested\n";
      auto commands = core.on_shutdown_requested("sim");
      if (!shutdown_began_ms) shutdown_began_ms = now_ms;
      execute(commands);
    } else if (dice < 90) {
      std::size_t child = random() % alive.size();
      if (alive[child]) core.on_child_ready(child);
    }
    check_dependents_started_after_their_dependency();
  }

  void run() {
    execute(core.start());
    for (int i = 0; i < steps_max && !exit_code; ++i) step();
    if (!exit_code) {
      shutdown_requested = shutdown_requested || !core.shutting_down();
      auto commands = core.on_shutdown_requested("end of run");
      if (!shutdown_began_ms) shutdown_began_ms = now_ms;
      execute(commands);
    }
    for (int drain = 0; drain < 100 && !exit_code; ++drain) {
      if (!stop_outstanding) fail("shutdown stalled with no stop outstanding");
      child_down(*stop_outstanding, exit_kind::shutdown);
    }
    if (!exit_code) fail("daemon never exited");
  }
};

void run_seed(std::uint64_t seed) {
  BOOST_TEST_CONTEXT("seed " << seed << " (replay: BUCKY_SIM_SEED=" << seed << ")") {
    try {
      world sim(seed);
      sim.run();
    } catch (const invariant_violation& e) {
      BOOST_FAIL("core invariant: " << e.what());
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(regression_seeds_hold) {
  for (auto seed : regression_seeds) run_seed(seed);
}

BOOST_AUTO_TEST_CASE(random_fault_schedules_keep_the_supervision_invariants) {
  if (const char* replay = std::getenv("BUCKY_SIM_SEED")) {
    run_seed(std::strtoull(replay, nullptr, 10));
    return;
  }
  // Fixed by default so CI is repeatable; a soak sets another base to explore more.
  std::uint64_t base = 1'000;
  if (const char* other = std::getenv("BUCKY_SIM_BASE_SEED")) base = std::strtoull(other, nullptr, 10);
  BOOST_TEST_MESSAGE("base seed " << base << " (" << seeds_per_run << " runs)");
  for (std::uint64_t i = 0; i < seeds_per_run; ++i) run_seed(base + i);
}
