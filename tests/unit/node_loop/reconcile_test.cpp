// The node loop's pure decision: every combination of desired/observed/policy/time,
// and the named cases of reconcile.hpp.
#define BOOST_TEST_MODULE unit_node_loop_reconcile
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include "actors/node_loop/reconcile.hpp"

using namespace bucky;
using phase = observed_instance::phase;
using kind = reconcile_action::kind;

namespace {

instance_assignment wanted(std::int64_t revision, restart_policy policy = restart_policy::always) {
  instance_assignment a;
  a.service = "photos";
  a.instance = 0;
  a.spec_revision = revision;
  a.spec.name = "photos";
  a.spec.command = {"/bin/true"};
  a.spec.restart = policy;
  a.spec.restart_backoff_ms_min = 100;
  a.spec.restart_backoff_ms_max = 1'000;
  return a;
}

observed_instance seen(phase now, std::int64_t revision, bool clean = false, std::uint32_t failures = 1) {
  return {"photos/0", revision, now, clean, failures, 10'000};
}

std::string fmt_case(int desired, int observed_phase, std::int64_t revision, restart_policy policy, bool clean,
                     std::uint32_t failures, std::uint64_t now_ms) {
  return fmt::format("desired={} phase={} revision={} policy={} clean={} failures={} now={}", desired, observed_phase,
                     revision, to_string(policy), clean, failures, now_ms);
}

}  // namespace

BOOST_AUTO_TEST_CASE(backoff_doubles_from_the_minimum_up_to_the_maximum) {
  auto spec = wanted(1).spec;
  BOOST_TEST(restart_backoff_ms(spec, 0) == 0u);
  BOOST_TEST(restart_backoff_ms(spec, 1) == 100u);
  BOOST_TEST(restart_backoff_ms(spec, 2) == 200u);
  BOOST_TEST(restart_backoff_ms(spec, 4) == 800u);
  BOOST_TEST(restart_backoff_ms(spec, 5) == 1'000u);
  BOOST_TEST(restart_backoff_ms(spec, 4'000'000'000u) == 1'000u);
}

BOOST_AUTO_TEST_CASE(the_named_cases) {
  auto start = reconcile({wanted(1)}, {}, 0);
  BOOST_TEST_REQUIRE(start.actions.size() == 1u);
  BOOST_TEST((start.actions[0].what == kind::start));
  BOOST_TEST((start.actions[0].assignment == wanted(1)));
  BOOST_TEST(reconcile({wanted(1)}, {seen(phase::running, 1)}, 0).actions.empty());
  auto changed = reconcile({wanted(2)}, {seen(phase::running, 1)}, 0);
  BOOST_TEST((changed.actions.at(0).what == kind::stop));
  auto after_stop = reconcile({wanted(2)}, {seen(phase::exited, 1, true, 0)}, 10'000);
  BOOST_TEST((after_stop.actions.at(0).what == kind::start));  // a new spec starts at once
  // Crashed twice: backoff 200 ms from the exit at 10,000.
  auto early = reconcile({wanted(1)}, {seen(phase::exited, 1, false, 2)}, 10'199);
  BOOST_TEST(early.actions.empty());
  BOOST_TEST(early.wake_at_ms.value() == 10'200u);
  BOOST_TEST((early.states.at("photos/0") == instance_state::backoff));
  BOOST_TEST((reconcile({wanted(1)}, {seen(phase::exited, 1, false, 2)}, 10'200).actions.at(0).what == kind::start));
  // Clean exits under on-failure, anything under never: stays exited.
  auto done = reconcile({wanted(1, restart_policy::on_failure)}, {seen(phase::exited, 1, true)}, 99'999);
  BOOST_TEST(done.actions.empty());
  BOOST_TEST((done.states.at("photos/0") == instance_state::exited));
  BOOST_TEST(!done.wake_at_ms.has_value());
  auto undesired = reconcile({}, {seen(phase::running, 1)}, 0);
  BOOST_TEST((undesired.actions.at(0).what == kind::stop));
  BOOST_TEST((reconcile({}, {seen(phase::exited, 1)}, 0).actions.at(0).what == kind::forget));
  BOOST_TEST(reconcile({}, {seen(phase::stopping, 1)}, 0).actions.empty());
}

// Every combination: the invariants of reconcile.hpp hold.
BOOST_AUTO_TEST_CASE(every_combination_keeps_the_invariants) {
  std::size_t cases = 0;
  for (int is_desired = 0; is_desired < 2; ++is_desired) {
    for (int observed_phase = -1; observed_phase < 4; ++observed_phase) {  // -1: nothing observed
      for (std::int64_t observed_revision : {1, 2}) {
        for (auto policy : {restart_policy::always, restart_policy::on_failure, restart_policy::never}) {
          for (bool clean : {false, true}) {
            for (std::uint32_t failures : {0u, 1u, 3u}) {
              for (std::uint64_t now_ms : {10'000u, 10'099u, 10'100u, 10'400u, 20'000u}) {
                ++cases;
                std::vector<instance_assignment> desired;
                if (is_desired) desired.push_back(wanted(1, policy));
                std::vector<observed_instance> observed;
                if (observed_phase >= 0) {
                  observed.push_back(seen(static_cast<phase>(observed_phase), observed_revision, clean, failures));
                }
                auto plan = reconcile(desired, observed, now_ms);
                auto info = fmt_case(is_desired, observed_phase, observed_revision, policy, clean, failures, now_ms);
                BOOST_TEST_REQUIRE(plan.actions.size() <= 1u, info);
                bool alive = observed_phase == int(phase::running) || observed_phase == int(phase::stopping);
                if (!plan.actions.empty()) {
                  const auto& action = plan.actions[0];
                  BOOST_TEST(action.id == "photos/0", info);
                  if (action.what == kind::start) {
                    BOOST_TEST(is_desired, info);
                    BOOST_TEST(!alive, info);  // never two processes of one id
                  }
                  if (action.what == kind::stop) {
                    BOOST_TEST(observed_phase == int(phase::running), info);
                    if (is_desired) BOOST_TEST(observed_revision != 1, info);
                  }
                  if (action.what == kind::forget) BOOST_TEST((!is_desired && observed_phase >= 2), info);
                }
                // Convergence: a desired instance with nothing observed starts; an
                // undesired live one stops; a running current one is left alone.
                if (is_desired && observed_phase < 0) BOOST_TEST(plan.actions.size() == 1u, info);
                if (!is_desired && observed_phase == int(phase::running)) BOOST_TEST(plan.actions.size() == 1u, info);
                if (is_desired && observed_phase == int(phase::running) && observed_revision == 1) {
                  BOOST_TEST(plan.actions.empty(), info);
                }
                // A desired instance always has a state; one waiting has a wake-up time.
                if (is_desired) {
                  BOOST_TEST(plan.states.count("photos/0") == 1u, info);
                  if (plan.states.at("photos/0") == instance_state::backoff) {
                    BOOST_TEST((plan.wake_at_ms.has_value() && *plan.wake_at_ms > now_ms), info);
                  }
                }
                // The policy: never restarts nothing of the same revision.
                if (is_desired && policy == restart_policy::never && observed_phase >= 2 && observed_revision == 1) {
                  BOOST_TEST(plan.actions.empty(), info);
                }
              }
            }
          }
        }
      }
    }
  }
  BOOST_TEST(cases == 2u * 5 * 2 * 3 * 2 * 3 * 5);
}
