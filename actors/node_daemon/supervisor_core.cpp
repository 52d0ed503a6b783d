#include "actors/node_daemon/supervisor_core.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "messages/limits.hpp"

namespace bucky {

const char* restart_type_name(restart_type type) {
  switch (type) {
    case restart_type::permanent: return "permanent";
    case restart_type::transient: return "transient";
    case restart_type::temporary: return "temporary";
  }
  return "unknown";
}

const char* restart_strategy_name(restart_strategy strategy) {
  switch (strategy) {
    case restart_strategy::one_for_one: return "one_for_one";
    case restart_strategy::rest_for_one: return "rest_for_one";
  }
  return "unknown";
}

supervisor_core::supervisor_core(std::vector<child_policy> children,
                                 restart_intensity intensity)
    : intensity_(intensity) {
  BUCKY_CHECK(!children.empty());
  BUCKY_CHECK(intensity.period_ms > 0);
  for (auto& policy : children) {
    BUCKY_CHECK_MSG(!policy.name.empty() && policy.name.size() <= limits::actor_name_bytes_max,
                    fmt::format("child name '{}'", policy.name));
    for (const auto& other : children_) {
      BUCKY_CHECK_MSG(other.policy.name != policy.name,
                      fmt::format("duplicate child name '{}'", policy.name));
    }
    child_slot entry;
    entry.status.name = policy.name;
    entry.status.state = actor_state::stopped;
    entry.policy = std::move(policy);
    children_.push_back(std::move(entry));
  }
}

supervisor_core::child_slot& supervisor_core::slot(std::size_t child) {
  BUCKY_CHECK_MSG(child < children_.size(), fmt::format("child {} of {}", child, children_.size()));
  return children_[child];
}

const child_policy& supervisor_core::policy(std::size_t child) const {
  BUCKY_CHECK(child < children_.size());
  return children_[child].policy;
}

const actor_status& supervisor_core::status(std::size_t child) const {
  BUCKY_CHECK(child < children_.size());
  return children_[child].status;
}

bool supervisor_core::alive(std::size_t child) const {
  BUCKY_CHECK(child < children_.size());
  return children_[child].alive;
}

supervisor_commands supervisor_core::start() {
  BUCKY_CHECK(!started_);
  started_ = true;
  for (std::size_t child = 0; child < children_.size(); ++child) start_queue_.push_back(child);
  return advance();
}

void supervisor_core::on_child_ready(std::size_t child) {
  auto& entry = slot(child);
  if (entry.alive && entry.status.state == actor_state::starting) {
    entry.status.state = actor_state::running;
  }
}

supervisor_commands supervisor_core::on_child_down(std::size_t child, exit_kind how,
                                                   const std::string& reason,
                                                   clock_reading now) {
  auto& entry = slot(child);
  BUCKY_CHECK_MSG(entry.alive, fmt::format("child '{}' reported down twice", entry.policy.name));
  latest_monotonic_ms_ = std::max(latest_monotonic_ms_, now.monotonic_ms);
  entry.alive = false;
  if (how == exit_kind::crash) {
    entry.status.last_crash_reason = reason.substr(0, limits::crash_reason_bytes_max);
    entry.status.last_crash_unix_ms = now.unix_ms;
  }
  if (awaiting_stop_ == child) {
    // The stop we asked for is done; the plan goes on.
    awaiting_stop_.reset();
  } else if (shutdown_ ||
             std::find(stop_queue_.begin(), stop_queue_.end(), child) != stop_queue_.end()) {
    // It ended on its own while a plan meant to stop it anyway.
    forget_from_stop_queue(child);
  } else if (plan_in_progress()) {
    pending_downs_.push_back({child, how, reason, now});
    entry.status.state = actor_state::stopped;
    return advance();
  } else {
    return decide(child, how, reason, now);
  }
  if (entry.status.state == actor_state::stopping) entry.status.state = actor_state::stopped;
  return advance();
}

supervisor_commands supervisor_core::on_shutdown_requested(const std::string& reason) {
  if (shutdown_) return {};  // already on its way out; the first reason stands
  return begin_shutdown(0, reason);
}

supervisor_commands supervisor_core::decide(std::size_t child, exit_kind how,
                                            const std::string& reason, clock_reading now) {
  auto& entry = slot(child);
  const bool restart = entry.policy.restart == restart_type::permanent ||
                       (entry.policy.restart == restart_type::transient && how == exit_kind::crash);
  if (!restart) {
    entry.status.state = actor_state::stopped;
    return advance();
  }
  if (restart_budget_exhausted(now.monotonic_ms)) {
    return begin_shutdown(
        1, fmt::format("restart intensity exceeded: more than {} restarts within {} ms; "
                       "last: child '{}' {}",
                       intensity_.restarts_max, intensity_.period_ms, entry.policy.name,
                       how == exit_kind::crash ? "crashed: " + reason : "exited"));
  }
  schedule_restart(child);
  restart_dependents(child);
  return advance();
}

// rest_for_one: later children depend on this one: stop them newest first, start
// all in order.
void supervisor_core::restart_dependents(std::size_t child) {
  if (slot(child).policy.strategy != restart_strategy::rest_for_one) return;
  for (std::size_t later = children_.size(); later-- > child + 1;) {
    auto& dependent = children_[later];
    const bool temporary = dependent.policy.restart == restart_type::temporary;
    if (dependent.alive) {
      stop_queue_.push_back(later);
      dependent.status.state = temporary ? actor_state::stopping : actor_state::restarting;
    }
    if (!temporary) schedule_restart(later);
  }
  std::sort(start_queue_.begin(), start_queue_.end());
}

std::optional<std::string> supervisor_core::restart_refusal(std::size_t child) const {
  BUCKY_CHECK(child < children_.size());
  const auto& entry = children_[child];
  auto why = [&](std::string text) { return fmt::format("'{}' {}", entry.policy.name, text); };
  if (shutdown_) return why("is not restarted: the node is shutting down");
  if (!entry.alive || entry.status.state != actor_state::running) {
    return why(fmt::format("is not running (it is {}); node_daemon restarts it by itself",
                           actor_state_name(entry.status.state)));
  }
  if (entry.policy.restart == restart_type::temporary) return why("is temporary: it is never restarted");
  if (plan_in_progress()) return why("is not restarted now: another restart is under way; try again");
  return std::nullopt;
}

supervisor_core::restart_answer supervisor_core::on_restart_requested(std::size_t child) {
  if (auto refusal = restart_refusal(child)) return {false, *refusal, {}};
  // Dependents stop first (newest first), then the child; then all start in order.
  restart_dependents(child);
  stop_queue_.push_back(child);
  schedule_restart(child);
  std::sort(start_queue_.begin(), start_queue_.end());
  return {true, {}, advance()};
}

void supervisor_core::schedule_restart(std::size_t child) {
  auto& entry = slot(child);
  entry.status.state = actor_state::restarting;
  entry.status.restart_count += 1;
  start_queue_.push_back(child);
}

bool supervisor_core::restart_budget_exhausted(std::uint64_t now_monotonic_ms) {
  while (!restart_times_ms_.empty() &&
         restart_times_ms_.front() + intensity_.period_ms <= now_monotonic_ms) {
    restart_times_ms_.pop_front();
  }
  restart_times_ms_.push_back(now_monotonic_ms);
  return restart_times_ms_.size() > intensity_.restarts_max;
}

std::uint32_t supervisor_core::restarts_in_period(std::uint64_t now_monotonic_ms) const {
  auto in_period = std::count_if(restart_times_ms_.begin(), restart_times_ms_.end(),
                                 [&](std::uint64_t at_ms) {
                                   return at_ms + intensity_.period_ms > now_monotonic_ms;
                                 });
  return static_cast<std::uint32_t>(in_period);
}

supervisor_commands supervisor_core::begin_shutdown(int exit_code, std::string reason) {
  BUCKY_CHECK(!shutdown_);
  shutdown_ = shutdown_plan{exit_code, std::move(reason), false};
  for (std::size_t child : start_queue_) children_[child].status.state = actor_state::stopped;
  start_queue_.clear();
  pending_downs_.clear();
  stop_queue_.clear();
  for (std::size_t child = children_.size(); child-- > 0;) {
    if (!children_[child].alive) {
      children_[child].status.state = actor_state::stopped;
      continue;
    }
    children_[child].status.state = actor_state::stopping;
    if (awaiting_stop_ != child) stop_queue_.push_back(child);
  }
  return advance();
}

void supervisor_core::forget_from_stop_queue(std::size_t child) {
  stop_queue_.erase(std::remove(stop_queue_.begin(), stop_queue_.end(), child),
                    stop_queue_.end());
}

bool supervisor_core::plan_in_progress() const {
  return awaiting_stop_.has_value() || !stop_queue_.empty() || !start_queue_.empty();
}

// Runs the current plan as far as it can go without waiting for an exit: one stop
// at a time, then the starts in order, then crashes that arrived meanwhile.
supervisor_commands supervisor_core::advance() {
  supervisor_commands commands;
  while (true) {
    if (awaiting_stop_) return commands;
    if (!stop_queue_.empty()) {
      std::size_t child = stop_queue_.front();
      stop_queue_.pop_front();
      BUCKY_CHECK(children_[child].alive);
      awaiting_stop_ = child;
      commands.push_back({supervisor_command::kind::stop_child, child, 0, {}});
      continue;
    }
    if (shutdown_) {
      for (const auto& entry : children_) BUCKY_CHECK(!entry.alive);
      if (!shutdown_->exit_sent) {
        shutdown_->exit_sent = true;
        commands.push_back({supervisor_command::kind::exit_daemon, 0, shutdown_->exit_code,
                            shutdown_->reason});
      }
      return commands;
    }
    for (std::size_t child : start_queue_) {
      auto& entry = children_[child];
      BUCKY_CHECK_MSG(!entry.alive, fmt::format("starting live child '{}'", entry.policy.name));
      entry.alive = true;
      entry.status.state = actor_state::starting;
      commands.push_back({supervisor_command::kind::start_child, child, 0, {}});
    }
    start_queue_.clear();
    if (pending_downs_.empty()) return commands;
    pending_down next = std::move(pending_downs_.front());
    pending_downs_.pop_front();
    // A plan that restarted this child already handled its exit.
    if (children_[next.child].alive) continue;
    // Decided now, so the intensity window sees restarts in the order they happen.
    next.now.monotonic_ms = std::max(next.now.monotonic_ms, latest_monotonic_ms_);
    auto more = decide(next.child, next.how, next.reason, next.now);
    commands.insert(commands.end(), more.begin(), more.end());
    return commands;
  }
}

}  // namespace bucky
