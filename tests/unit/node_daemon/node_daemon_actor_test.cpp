// node_daemon as a CAF actor, run by CAF's deterministic test coordinator: every
// message is delivered by sched.run(), and time only moves when the test moves it.
#define BOOST_TEST_MODULE node_daemon_actor
#include <boost/test/unit_test.hpp>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/log_tail/ring_sink.hpp"
#include "actors/node_daemon/actor.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/logging.hpp"

using namespace bucky;

namespace {

using journal = std::vector<std::string>;

// A child that records its starts and stops, throws on `crash`, and, when stubborn,
// ignores exit requests so that only a kill stops it.
class test_child : public component_actor {
 public:
  test_child(caf::actor_config& config, child_context context, std::shared_ptr<journal> events,
             bool stubborn)
      : component_actor(config, std::move(context)), events_(std::move(events)) {
    if (stubborn) set_exit_handler([](caf::exit_msg&) {});
  }

  caf::behavior make_behavior() override {
    events_->push_back("start:" + context().name);
    return {
        [this](crash_atom) -> caf::result<void> {
          throw std::runtime_error("crash requested of " + context().name);
        },
        [](ping_atom) { return pong_atom::value; },
    };
  }

  void on_exit() override { events_->push_back("stop:" + context().name); }

 private:
  std::shared_ptr<journal> events_;
};

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::shared_ptr<journal> events = std::make_shared<journal>();
  std::shared_ptr<ring_sink> log_lines = std::make_shared<ring_sink>(1'000);
  caf::actor daemon;
  int fail_starts = 0;  // the next this many starts of a child named "flaky" throw

  fixture() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.inline-output", true);
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    BOOST_TEST_REQUIRE(logging::init({"test", spdlog::level::debug, "", false}).is_ok());
    logging::add_sink(log_lines);
  }

  ~fixture() {
    if (daemon) caf::anon_send_exit(daemon, caf::exit_reason::kill);
    sched->run();
  }

  child_spec child(std::string name, restart_type type = restart_type::permanent,
                   restart_strategy strategy = restart_strategy::one_for_one,
                   bool stubborn = false) {
    auto journal_ptr = events;
    auto* self = this;
    return {name, type, strategy,
            [journal_ptr, stubborn, self](caf::actor_system& system, const child_context& context) {
              if (context.name == "flaky" && self->fail_starts > 0) {
                self->fail_starts -= 1;
                throw std::runtime_error("cannot open its database");
              }
              return system.spawn<test_child>(context, journal_ptr, stubborn);
            },
            100};
  }

  void boot(std::vector<child_spec> children, restart_intensity intensity = {5, 10'000}) {
    node_daemon_config config;
    config.node_id = "n1";
    config.children = std::move(children);
    config.intensity = intensity;
    config.probe_timeout_ms = 50;
    daemon = spawn_node_daemon(*sys, std::move(config));
    sched->run();
  }

  caf::actor named(const std::string& name) {
    return sys->registry().get<caf::actor>(caf::atom_from_string(name));
  }

  actor_table table() {
    caf::scoped_actor self{*sys, true};
    self->send(daemon, table_atom::value);
    sched->run();
    std::optional<actor_table> answer;
    self->receive([&](actor_table& t) { answer = std::move(t); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    BOOST_TEST_REQUIRE(answer.has_value());
    return *answer;
  }

  const actor_status& row(const actor_table& t, const std::string& name) {
    for (const auto& r : t.actors) {
      if (r.name == name) return r;
    }
    BOOST_FAIL("no row " << name);
    return t.actors.front();
  }

  bool logged(const std::string& fragment) {
    for (auto& line : log_lines->lines_after(0, spdlog::level::trace, 1'000)) {
      if (line.text.find(fragment) != std::string::npos) return true;
    }
    return false;
  }

  // Watches the daemon from a hidden scoped actor; returns its exit reason.
  std::optional<caf::error> daemon_exit(caf::scoped_actor& watcher) {
    std::optional<caf::error> reason;
    watcher->receive([&](caf::down_msg& down) { reason = down.reason; },
                     caf::after(std::chrono::seconds(0)) >> [] {});
    return reason;
  }
};

journal j(std::initializer_list<const char*> items) { return journal(items.begin(), items.end()); }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(node_daemon_actor, fixture)

BOOST_AUTO_TEST_CASE(starts_children_in_order_registers_them_and_marks_them_running) {
  boot({child("a"), child("b"), child("c")});
  BOOST_TEST(*events == j({"start:a", "start:b", "start:c"}), boost::test_tools::per_element());
  for (auto name : {"a", "b", "c"}) BOOST_TEST(static_cast<bool>(named(name)));
  auto t = table();
  BOOST_TEST(t.node_id == "n1");
  for (const auto& r : t.actors) {
    BOOST_TEST((r.state == actor_state::running));
    BOOST_TEST(r.mailbox_size == 0);
    BOOST_TEST(r.messages_handled >= 1u);  // the start probe at least
  }
}

BOOST_AUTO_TEST_CASE(crashed_child_restarts_with_its_reason_logged_under_the_same_name) {
  boot({child("a"), child("b")});
  auto before = named("a");
  caf::anon_send(before, crash_atom::value);
  sched->run();
  auto after = named("a");
  BOOST_TEST_REQUIRE(static_cast<bool>(after));
  BOOST_TEST((after != before));
  BOOST_TEST(logged("child 'a' crashed: crash requested of a"));
  auto t = table();
  BOOST_TEST(row(t, "a").restart_count == 1u);
  BOOST_TEST(row(t, "a").last_crash_reason == "crash requested of a");
  BOOST_TEST(row(t, "a").last_crash_unix_ms > 0);
  BOOST_TEST((row(t, "a").state == actor_state::running));
  BOOST_TEST(row(t, "b").restart_count == 0u);
  BOOST_TEST(t.restarts_in_period == 1u);
  // The restarted child answers under its name.
  caf::scoped_actor self{*sys, true};
  self->send(named("a"), ping_atom::value);
  sched->run();
  bool ponged = false;
  self->receive([&](pong_atom) { ponged = true; }, caf::after(std::chrono::seconds(0)) >> [] {});
  BOOST_TEST(ponged);
}

BOOST_AUTO_TEST_CASE(messages_handled_add_up_across_restarts) {
  boot({child("a")});
  for (int i = 0; i < 3; ++i) caf::anon_send(named("a"), ping_atom::value);
  sched->run();
  auto before = row(table(), "a").messages_handled;
  caf::anon_send(named("a"), crash_atom::value);
  sched->run();
  auto after = row(table(), "a").messages_handled;
  BOOST_TEST(after > before);
}

BOOST_AUTO_TEST_CASE(intensity_exceeded_stops_children_in_reverse_and_daemon_fails) {
  boot({child("a"), child("b"), child("c")}, {2, 10'000});
  caf::scoped_actor watcher{*sys, true};
  watcher->monitor(daemon);
  for (int crash = 0; crash < 3; ++crash) {
    caf::anon_send(named("a"), crash_atom::value);
    sched->run();
  }
  auto reason = daemon_exit(watcher);
  BOOST_TEST_REQUIRE(reason.has_value());
  BOOST_TEST(static_cast<bool>(*reason));
  BOOST_TEST(describe_exit_reason(*reason).find("restart intensity exceeded") != std::string::npos);
  journal tail(events->end() - 2, events->end());
  BOOST_TEST(tail == j({"stop:c", "stop:b"}), boost::test_tools::per_element());
  BOOST_TEST(logged("node_daemon exits with failure"));
  daemon = nullptr;
}

BOOST_AUTO_TEST_CASE(restarts_spread_beyond_the_period_never_exhaust_the_budget) {
  boot({child("a")}, {2, 1'000});
  caf::scoped_actor watcher{*sys, true};
  watcher->monitor(daemon);
  for (int crash = 0; crash < 10; ++crash) {
    caf::anon_send(named("a"), crash_atom::value);
    sched->run();
    sched->advance_time(std::chrono::milliseconds(600));
    sched->run();
  }
  BOOST_TEST(!daemon_exit(watcher).has_value());
  BOOST_TEST(row(table(), "a").restart_count == 10u);
}

BOOST_AUTO_TEST_CASE(rest_for_one_restarts_dependents_in_order) {
  boot({child("store", restart_type::permanent, restart_strategy::rest_for_one), child("paxos"),
        child("kv")});
  events->clear();
  caf::anon_send(named("store"), crash_atom::value);
  sched->run();
  BOOST_TEST(*events == j({"stop:store", "stop:kv", "stop:paxos", "start:store", "start:paxos",
                           "start:kv"}),
             boost::test_tools::per_element());
  auto t = table();
  for (const auto& r : t.actors) BOOST_TEST((r.state == actor_state::running));
  BOOST_TEST(row(t, "kv").restart_count == 1u);
}

BOOST_AUTO_TEST_CASE(temporary_child_is_not_restarted) {
  boot({child("a"), child("once", restart_type::temporary)});
  caf::anon_send(named("once"), crash_atom::value);
  sched->run();
  BOOST_TEST(!named("once"));
  auto t = table();
  BOOST_TEST((row(t, "once").state == actor_state::stopped));
  BOOST_TEST(row(t, "once").restart_count == 0u);
  BOOST_TEST(row(t, "once").mailbox_size == -1);
}

BOOST_AUTO_TEST_CASE(shutdown_stops_children_in_reverse_start_order_and_daemon_exits_normally) {
  boot({child("a"), child("b"), child("c")});
  caf::scoped_actor watcher{*sys, true};
  watcher->monitor(daemon);
  events->clear();
  caf::anon_send(daemon, shutdown_atom::value);
  sched->run();
  BOOST_TEST(*events == j({"stop:c", "stop:b", "stop:a"}), boost::test_tools::per_element());
  auto reason = daemon_exit(watcher);
  BOOST_TEST_REQUIRE(reason.has_value());
  BOOST_TEST(!*reason);
  for (auto name : {"a", "b", "c"}) BOOST_TEST(!named(name));
  daemon = nullptr;
}

BOOST_AUTO_TEST_CASE(an_exit_request_from_outside_is_an_orderly_shutdown) {
  boot({child("a"), child("b")});
  caf::scoped_actor watcher{*sys, true};
  watcher->monitor(daemon);
  events->clear();
  caf::anon_send_exit(daemon, caf::exit_reason::user_shutdown);
  sched->run();
  BOOST_TEST(*events == j({"stop:b", "stop:a"}), boost::test_tools::per_element());
  BOOST_TEST(daemon_exit(watcher).has_value());
  daemon = nullptr;
}

BOOST_AUTO_TEST_CASE(a_child_that_ignores_its_stop_is_killed_after_the_timeout) {
  boot({child("a"), child("mule", restart_type::permanent, restart_strategy::one_for_one, true)});
  caf::scoped_actor watcher{*sys, true};
  watcher->monitor(daemon);
  events->clear();
  caf::anon_send(daemon, shutdown_atom::value);
  sched->run();
  BOOST_TEST(events->empty());  // mule ignored the exit request; a waits behind it
  sched->advance_time(std::chrono::milliseconds(100));
  sched->run();
  BOOST_TEST(*events == j({"stop:mule", "stop:a"}), boost::test_tools::per_element());
  BOOST_TEST(logged("child 'mule' did not stop within 100 ms; killing it"));
  BOOST_TEST(daemon_exit(watcher).has_value());
  daemon = nullptr;
}

BOOST_AUTO_TEST_CASE(a_start_failure_counts_as_a_crash_and_can_exhaust_the_budget) {
  fail_starts = 1;
  boot({child("flaky"), child("b")});
  BOOST_TEST(logged("child 'flaky' failed to start: cannot open its database"));
  auto t = table();
  BOOST_TEST((row(t, "flaky").state == actor_state::running));
  BOOST_TEST(row(t, "flaky").restart_count == 1u);
  BOOST_TEST(row(t, "flaky").last_crash_reason == "start failed: cannot open its database");

  fail_starts = 100;
  caf::scoped_actor watcher{*sys, true};
  watcher->monitor(daemon);
  caf::anon_send(named("flaky"), crash_atom::value);
  sched->run();
  auto reason = daemon_exit(watcher);
  BOOST_TEST_REQUIRE(reason.has_value());
  BOOST_TEST(describe_exit_reason(*reason).find("start failed") != std::string::npos);
  daemon = nullptr;
}

BOOST_AUTO_TEST_CASE(children_die_with_a_killed_daemon) {
  boot({child("a"), child("b")});
  auto a = named("a");
  caf::scoped_actor watcher{*sys, true};
  watcher->monitor(a);
  caf::anon_send_exit(daemon, caf::exit_reason::kill);
  sched->run();
  bool down = false;
  watcher->receive([&](caf::down_msg&) { down = true; }, caf::after(std::chrono::seconds(0)) >> [] {});
  BOOST_TEST(down);
  daemon = nullptr;
}

BOOST_AUTO_TEST_CASE(unexpected_messages_are_logged_and_dropped_not_fatal) {
  boot({child("a")});
  caf::anon_send(named("a"), std::string("what is this"));
  sched->run();
  BOOST_TEST(logged("dropped unexpected message"));
  BOOST_TEST((row(table(), "a").state == actor_state::running));
  BOOST_TEST(row(table(), "a").restart_count == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
