// supervisor_core: the decisions of node_daemon, checked event by event.
#define BOOST_TEST_MODULE supervisor_core
#include <boost/test/unit_test.hpp>

#include "actors/node_daemon/supervisor_core.hpp"

using namespace bucky;
using kind = supervisor_command::kind;

namespace {

supervisor_command start(std::size_t child) { return {kind::start_child, child, 0, {}}; }
supervisor_command stop(std::size_t child) { return {kind::stop_child, child, 0, {}}; }

clock_reading at(std::uint64_t ms) { return {ms, static_cast<std::int64_t>(1'700'000'000'000 + ms)}; }

std::vector<child_policy> three(restart_type type = restart_type::permanent,
                                restart_strategy strategy = restart_strategy::one_for_one) {
  return {{"a", type, strategy}, {"b", type, strategy}, {"c", type, strategy}};
}

std::ostream& operator<<(std::ostream& out, const supervisor_command& command) {
  static const char* names[] = {"start", "stop", "exit"};
  return out << names[static_cast<int>(command.what)] << "(" << command.child << ","
             << command.exit_code << ")";
}

}  // namespace

namespace std {
std::ostream& operator<<(std::ostream& out, const supervisor_commands& commands) {
  out << "[";
  for (const auto& command : commands) ::operator<<(out, command) << " ";
  return out << "]";
}
}  // namespace std

BOOST_AUTO_TEST_CASE(start_launches_children_in_order) {
  supervisor_core core(three(), {});
  BOOST_TEST((core.start() == supervisor_commands{start(0), start(1), start(2)}));
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(core.alive(i));
    BOOST_TEST((core.status(i).state == actor_state::starting));
    core.on_child_ready(i);
    BOOST_TEST((core.status(i).state == actor_state::running));
  }
}

BOOST_AUTO_TEST_CASE(one_for_one_restarts_only_the_crashed_child_and_keeps_its_reason) {
  supervisor_core core(three(), {});
  core.start();
  auto commands = core.on_child_down(1, exit_kind::crash, "boom", at(100));
  BOOST_TEST((commands == supervisor_commands{start(1)}));
  BOOST_TEST(core.status(1).restart_count == 1u);
  BOOST_TEST(core.status(1).last_crash_reason == "boom");
  BOOST_TEST(core.status(1).last_crash_unix_ms == at(100).unix_ms);
  BOOST_TEST(core.status(0).restart_count == 0u);
  BOOST_TEST(core.status(2).restart_count == 0u);
}

BOOST_AUTO_TEST_CASE(rest_for_one_stops_later_children_newest_first_then_starts_in_order) {
  std::vector<child_policy> children = {{"store", restart_type::permanent, restart_strategy::rest_for_one},
                                        {"paxos", restart_type::permanent, restart_strategy::one_for_one},
                                        {"kv", restart_type::permanent, restart_strategy::one_for_one},
                                        {"sched", restart_type::permanent, restart_strategy::one_for_one}};
  supervisor_core core(children, {});
  core.start();
  BOOST_TEST((core.on_child_down(0, exit_kind::crash, "x", at(1)) == supervisor_commands{stop(3)}));
  BOOST_TEST((core.status(3).state == actor_state::restarting));
  BOOST_TEST((core.on_child_down(3, exit_kind::shutdown, "", at(2)) == supervisor_commands{stop(2)}));
  BOOST_TEST((core.on_child_down(2, exit_kind::shutdown, "", at(3)) == supervisor_commands{stop(1)}));
  BOOST_TEST((core.on_child_down(1, exit_kind::shutdown, "", at(4)) ==
              supervisor_commands{start(0), start(1), start(2), start(3)}));
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(core.status(i).restart_count == 1u);
  // A stop we asked for is not a crash.
  BOOST_TEST(core.status(2).last_crash_reason.empty());
  // Restarting everything after it counts once against the intensity.
  BOOST_TEST(core.restarts_in_period(5) == 1u);
}

BOOST_AUTO_TEST_CASE(rest_for_one_child_crash_in_the_middle_leaves_earlier_children_alone) {
  supervisor_core core(three(restart_type::permanent, restart_strategy::rest_for_one), {});
  core.start();
  BOOST_TEST((core.on_child_down(1, exit_kind::crash, "x", at(1)) == supervisor_commands{stop(2)}));
  BOOST_TEST((core.on_child_down(2, exit_kind::shutdown, "", at(2)) ==
              supervisor_commands{start(1), start(2)}));
  BOOST_TEST(core.status(0).restart_count == 0u);
}

BOOST_AUTO_TEST_CASE(rest_for_one_does_not_restart_a_temporary_dependent) {
  std::vector<child_policy> children = {{"a", restart_type::permanent, restart_strategy::rest_for_one},
                                        {"b", restart_type::temporary, restart_strategy::one_for_one}};
  supervisor_core core(children, {});
  core.start();
  BOOST_TEST((core.on_child_down(0, exit_kind::crash, "x", at(1)) == supervisor_commands{stop(1)}));
  BOOST_TEST((core.on_child_down(1, exit_kind::shutdown, "", at(2)) == supervisor_commands{start(0)}));
  BOOST_TEST(!core.alive(1));
  BOOST_TEST((core.status(1).state == actor_state::stopped));
}

BOOST_AUTO_TEST_CASE(temporary_child_is_never_restarted) {
  supervisor_core core(three(restart_type::temporary), {});
  core.start();
  BOOST_TEST(core.on_child_down(0, exit_kind::crash, "x", at(1)).empty());
  BOOST_TEST((core.status(0).state == actor_state::stopped));
  BOOST_TEST(core.status(0).restart_count == 0u);
  BOOST_TEST(core.status(0).last_crash_reason == "x");
}

BOOST_AUTO_TEST_CASE(transient_child_is_restarted_after_a_crash_but_not_after_a_normal_exit) {
  supervisor_core core(three(restart_type::transient), {});
  core.start();
  BOOST_TEST((core.on_child_down(0, exit_kind::crash, "x", at(1)) == supervisor_commands{start(0)}));
  BOOST_TEST(core.on_child_down(0, exit_kind::normal, "", at(2)).empty());
  BOOST_TEST(core.on_child_down(1, exit_kind::shutdown, "", at(3)).empty());
  BOOST_TEST(!core.alive(0));
  BOOST_TEST(!core.alive(1));
}

BOOST_AUTO_TEST_CASE(permanent_child_is_restarted_even_after_a_normal_exit) {
  supervisor_core core(three(), {});
  core.start();
  BOOST_TEST((core.on_child_down(2, exit_kind::normal, "", at(1)) == supervisor_commands{start(2)}));
}

BOOST_AUTO_TEST_CASE(intensity_exceeded_stops_all_children_in_reverse_order_and_exits_nonzero) {
  supervisor_core core(three(), {2, 1'000});
  core.start();
  BOOST_TEST((core.on_child_down(0, exit_kind::crash, "1", at(10)) == supervisor_commands{start(0)}));
  BOOST_TEST((core.on_child_down(0, exit_kind::crash, "2", at(20)) == supervisor_commands{start(0)}));
  // The third restart within 1000 ms is one too many.
  BOOST_TEST((core.on_child_down(1, exit_kind::crash, "3", at(30)) == supervisor_commands{stop(2)}));
  BOOST_TEST(core.shutting_down());
  BOOST_TEST((core.on_child_down(2, exit_kind::shutdown, "", at(31)) == supervisor_commands{stop(0)}));
  auto last = core.on_child_down(0, exit_kind::shutdown, "", at(32));
  BOOST_TEST_REQUIRE(last.size() == 1u);
  BOOST_TEST((last[0].what == kind::exit_daemon));
  BOOST_TEST(last[0].exit_code == 1);
  BOOST_TEST(last[0].reason.find("restart intensity exceeded") != std::string::npos);
  BOOST_TEST(last[0].reason.find("child 'b' crashed: 3") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(restarts_older_than_the_period_do_not_count) {
  supervisor_core core(three(), {2, 1'000});
  core.start();
  for (std::uint64_t t = 0; t < 20; ++t) {
    auto commands = core.on_child_down(0, exit_kind::crash, "again", at(t * 600));
    BOOST_TEST_REQUIRE((commands == supervisor_commands{start(0)}));
  }
  BOOST_TEST(core.status(0).restart_count == 20u);
  BOOST_TEST(core.restarts_in_period(20 * 600) == 1u);
}

BOOST_AUTO_TEST_CASE(zero_restarts_allowed_means_first_crash_stops_the_daemon) {
  supervisor_core core({{"only", restart_type::permanent, restart_strategy::one_for_one}}, {0, 1'000});
  core.start();
  auto commands = core.on_child_down(0, exit_kind::crash, "x", at(1));
  BOOST_TEST_REQUIRE(commands.size() == 1u);
  BOOST_TEST((commands[0].what == kind::exit_daemon));
  BOOST_TEST(commands[0].exit_code == 1);
}

BOOST_AUTO_TEST_CASE(shutdown_stops_children_in_reverse_start_order_then_exits_zero) {
  supervisor_core core(three(), {});
  core.start();
  BOOST_TEST((core.on_shutdown_requested("SIGTERM") == supervisor_commands{stop(2)}));
  BOOST_TEST((core.status(2).state == actor_state::stopping));
  BOOST_TEST((core.status(0).state == actor_state::stopping));
  BOOST_TEST((core.on_child_down(2, exit_kind::shutdown, "", at(1)) == supervisor_commands{stop(1)}));
  BOOST_TEST((core.on_child_down(1, exit_kind::shutdown, "", at(2)) == supervisor_commands{stop(0)}));
  auto last = core.on_child_down(0, exit_kind::shutdown, "", at(3));
  BOOST_TEST((last == supervisor_commands{{kind::exit_daemon, 0, 0, "SIGTERM"}}));
  for (std::size_t i = 0; i < 3; ++i) BOOST_TEST((core.status(i).state == actor_state::stopped));
}

BOOST_AUTO_TEST_CASE(second_shutdown_request_changes_nothing) {
  supervisor_core core(three(), {});
  core.start();
  core.on_shutdown_requested("first");
  BOOST_TEST(core.on_shutdown_requested("second").empty());
}

BOOST_AUTO_TEST_CASE(child_crashing_during_shutdown_is_not_restarted) {
  supervisor_core core(three(), {});
  core.start();
  BOOST_TEST((core.on_shutdown_requested("stop") == supervisor_commands{stop(2)}));
  // Child 0 crashes on its own while we wait for child 2.
  BOOST_TEST(core.on_child_down(0, exit_kind::crash, "x", at(1)).empty());
  BOOST_TEST((core.on_child_down(2, exit_kind::shutdown, "", at(2)) == supervisor_commands{stop(1)}));
  auto last = core.on_child_down(1, exit_kind::shutdown, "", at(3));
  BOOST_TEST_REQUIRE(last.size() == 1u);
  BOOST_TEST(last[0].exit_code == 0);
  BOOST_TEST(core.status(0).restart_count == 0u);
}

BOOST_AUTO_TEST_CASE(shutdown_during_a_restart_plan_drops_pending_starts) {
  supervisor_core core(three(restart_type::permanent, restart_strategy::rest_for_one), {});
  core.start();
  BOOST_TEST((core.on_child_down(0, exit_kind::crash, "x", at(1)) == supervisor_commands{stop(2)}));
  // Child 2 is being stopped; the shutdown queues child 1 after it, not child 0 (dead).
  BOOST_TEST(core.on_shutdown_requested("stop").empty());
  BOOST_TEST((core.on_child_down(2, exit_kind::shutdown, "", at(2)) == supervisor_commands{stop(1)}));
  auto last = core.on_child_down(1, exit_kind::shutdown, "", at(3));
  BOOST_TEST_REQUIRE(last.size() == 1u);
  BOOST_TEST((last[0].what == kind::exit_daemon));
  BOOST_TEST(!core.alive(0));
}

BOOST_AUTO_TEST_CASE(crash_during_a_restart_plan_is_decided_after_the_plan) {
  std::vector<child_policy> children = {{"a", restart_type::permanent, restart_strategy::one_for_one},
                                        {"b", restart_type::permanent, restart_strategy::rest_for_one},
                                        {"c", restart_type::permanent, restart_strategy::one_for_one}};
  supervisor_core core(children, {});
  core.start();
  BOOST_TEST((core.on_child_down(1, exit_kind::crash, "b", at(1)) == supervisor_commands{stop(2)}));
  // Child 0 crashes while the plan waits for child 2.
  BOOST_TEST(core.on_child_down(0, exit_kind::crash, "a", at(2)).empty());
  BOOST_TEST((core.status(0).state == actor_state::stopped));
  BOOST_TEST((core.on_child_down(2, exit_kind::shutdown, "", at(3)) ==
              supervisor_commands{start(1), start(2), start(0)}));
  BOOST_TEST(core.status(0).restart_count == 1u);
}

BOOST_AUTO_TEST_CASE(dependent_crashing_while_being_stopped_is_restarted_once_by_the_plan) {
  supervisor_core core(three(restart_type::permanent, restart_strategy::rest_for_one), {});
  core.start();
  BOOST_TEST((core.on_child_down(0, exit_kind::crash, "x", at(1)) == supervisor_commands{stop(2)}));
  // Child 1 crashes by itself before its stop: the plan skips its stop and restarts it.
  BOOST_TEST(core.on_child_down(1, exit_kind::crash, "y", at(2)).empty());
  BOOST_TEST((core.on_child_down(2, exit_kind::shutdown, "", at(3)) ==
              supervisor_commands{start(0), start(1), start(2)}));
  BOOST_TEST(core.status(1).restart_count == 1u);
  BOOST_TEST(core.status(1).last_crash_reason == "y");
}

BOOST_AUTO_TEST_CASE(crash_reason_is_bounded) {
  supervisor_core core(three(), {});
  core.start();
  core.on_child_down(0, exit_kind::crash, std::string(10'000, 'x'), at(1));
  BOOST_TEST(core.status(0).last_crash_reason.size() == limits::crash_reason_bytes_max);
}

BOOST_AUTO_TEST_CASE(a_double_down_report_is_a_broken_invariant) {
  supervisor_core core(three(restart_type::temporary), {});
  core.start();
  core.on_child_down(0, exit_kind::crash, "x", at(1));
  BOOST_CHECK_THROW(core.on_child_down(0, exit_kind::crash, "x", at(2)), invariant_violation);
}

BOOST_AUTO_TEST_CASE(child_names_must_be_unique_and_fit_an_atom) {
  BOOST_CHECK_THROW(supervisor_core({{"a"}, {"a"}}, {}), invariant_violation);
  BOOST_CHECK_THROW(supervisor_core({{"eleven_char"}}, {}), invariant_violation);
  BOOST_CHECK_THROW(supervisor_core({}, {}), invariant_violation);
}

// The operator's restart: stop, then start by the strategy, outside the budget.
BOOST_AUTO_TEST_CASE(a_requested_restart_follows_the_strategy_and_uses_no_budget) {
  supervisor_core core(three(restart_type::permanent, restart_strategy::rest_for_one), {1, 10'000});
  core.start();
  for (std::size_t i = 0; i < 3; ++i) core.on_child_ready(i);
  for (int round = 0; round < 3; ++round) {  // more than restarts_max (1): still no exit
    auto answer = core.on_restart_requested(1);
    BOOST_TEST_REQUIRE(answer.accepted);
    BOOST_TEST((answer.commands == supervisor_commands{stop(2)}));  // dependents first
    BOOST_TEST((core.on_restart_requested(0).refusal == "'a' is not restarted now: another restart is under way; try again"));
    BOOST_TEST((core.on_child_down(2, exit_kind::shutdown, "shutdown", at(100 + round)) == supervisor_commands{stop(1)}));
    BOOST_TEST((core.on_child_down(1, exit_kind::shutdown, "shutdown", at(101 + round)) ==
                supervisor_commands{start(1), start(2)}));
    core.on_child_ready(1);
    core.on_child_ready(2);
  }
  BOOST_TEST(core.status(1).restart_count == 3u);
  BOOST_TEST(core.status(2).restart_count == 3u);
  BOOST_TEST(core.status(1).last_crash_reason.empty());  // not a crash
  BOOST_TEST(core.restarts_in_period(200) == 0u);
  BOOST_TEST(!core.shutting_down());
}

BOOST_AUTO_TEST_CASE(a_requested_restart_is_refused_with_the_reason) {
  std::vector<child_policy> children = {{"a", restart_type::permanent, restart_strategy::one_for_one},
                                        {"t", restart_type::temporary, restart_strategy::one_for_one}};
  supervisor_core core(children, {});
  core.start();
  BOOST_TEST(core.on_restart_requested(0).refusal ==
             "'a' is not running (it is starting); node_daemon restarts it by itself");
  core.on_child_ready(0);
  core.on_child_ready(1);
  BOOST_TEST(core.on_restart_requested(1).refusal == "'t' is temporary: it is never restarted");
  auto one = core.on_restart_requested(0);
  BOOST_TEST((one.commands == supervisor_commands{stop(0)}));
  BOOST_TEST((core.on_child_down(0, exit_kind::shutdown, "shutdown", at(1)) == supervisor_commands{start(0)}));
  core.on_shutdown_requested("test");
  BOOST_TEST(core.on_restart_requested(0).refusal == "'a' is not restarted: the node is shutting down");
}
