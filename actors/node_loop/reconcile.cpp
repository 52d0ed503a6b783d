#include "actors/node_loop/reconcile.hpp"

#include <algorithm>

#include "messages/common/check.hpp"

namespace bucky {

std::uint64_t restart_backoff_ms(const service_spec& spec, std::uint32_t failures) {
  if (failures == 0) return 0;
  std::uint64_t backoff = spec.restart_backoff_ms_min;
  for (std::uint32_t i = 1; i < failures && backoff < spec.restart_backoff_ms_max; ++i) backoff *= 2;
  return std::min(backoff, spec.restart_backoff_ms_max);
}

namespace {

bool policy_restarts(const service_spec& spec, const observed_instance& seen) {
  if (seen.now == observed_instance::phase::failed) return spec.restart != restart_policy::never;
  switch (spec.restart) {
    case restart_policy::always: return true;
    case restart_policy::on_failure: return !seen.exit_clean;
    case restart_policy::never: return false;
  }
  return false;
}

void start(reconcile_plan& plan, const instance_assignment& wanted) {
  plan.actions.push_back({reconcile_action::kind::start, wanted.id(), wanted});
  plan.states[wanted.id()] = instance_state::starting;
}

// One desired instance against what runs under its id (if anything).
void converge(reconcile_plan& plan, const instance_assignment& wanted, const observed_instance* seen,
              std::uint64_t now_ms) {
  using phase = observed_instance::phase;
  auto id = wanted.id();
  if (!seen) return start(plan, wanted);
  if (seen->now == phase::stopping) {
    plan.states[id] = instance_state::stopping;
    return;
  }
  if (seen->now == phase::running) {
    if (seen->spec_revision == wanted.spec_revision) {
      plan.states[id] = instance_state::running;
      return;
    }
    plan.actions.push_back({reconcile_action::kind::stop, id, {}});
    plan.states[id] = instance_state::stopping;
    return;
  }
  if (seen->spec_revision != wanted.spec_revision) return start(plan, wanted);
  if (!policy_restarts(wanted.spec, *seen)) {
    plan.states[id] = seen->now == phase::failed ? instance_state::failed : instance_state::exited;
    return;
  }
  auto due_ms = seen->exited_at_ms + restart_backoff_ms(wanted.spec, seen->failures);
  if (now_ms >= due_ms) return start(plan, wanted);
  plan.states[id] = instance_state::backoff;
  plan.wake_at_ms = plan.wake_at_ms ? std::min(*plan.wake_at_ms, due_ms) : due_ms;
}

}  // namespace

reconcile_plan reconcile(const std::vector<instance_assignment>& desired,
                         const std::vector<observed_instance>& observed, std::uint64_t now_ms) {
  std::map<std::string, const observed_instance*> seen;
  for (const auto& instance : observed) {
    BUCKY_CHECK_MSG(seen.emplace(instance.id, &instance).second, "observed twice: " + instance.id);
  }
  reconcile_plan plan;
  std::map<std::string, bool> wanted;
  for (const auto& assignment : desired) {
    BUCKY_CHECK_MSG(wanted.emplace(assignment.id(), true).second, "desired twice: " + assignment.id());
    auto found = seen.find(assignment.id());
    converge(plan, assignment, found == seen.end() ? nullptr : found->second, now_ms);
  }
  for (const auto& [id, instance] : seen) {
    if (wanted.count(id)) continue;
    if (instance->now == observed_instance::phase::running) plan.actions.push_back({reconcile_action::kind::stop, id, {}});
    else if (instance->now != observed_instance::phase::stopping) plan.actions.push_back({reconcile_action::kind::forget, id, {}});
  }
  return plan;
}

}  // namespace bucky
