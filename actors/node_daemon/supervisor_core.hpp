// The decisions of node_daemon, the zone's only supervisor, as a plain class: which
// child to start or stop next, when to give up. No CAF, no clock, no I/O: the actor
// shell feeds it events and carries out the commands it returns, in order.
//
// Semantics are Erlang/OTP's supervisor:
// - restart types: permanent (always restarted), transient (restarted only after a
//   crash), temporary (never restarted);
// - strategies, per child: one_for_one (restart the child alone), rest_for_one (also
//   stop the children started after it, in reverse order, then start them all again
//   in order);
// - intensity: more than restarts_max restarts within period_ms stops every child
//   (reverse start order) and ends the daemon with a non-zero exit code.
// Children are stopped one at a time: the core waits for each child's exit before it
// asks for the next stop, so "reverse start order" holds on every path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "messages/actor_table.hpp"

namespace bucky {

enum class restart_type : std::uint8_t { permanent, transient, temporary };
enum class restart_strategy : std::uint8_t { one_for_one, rest_for_one };
enum class exit_kind : std::uint8_t {
  normal,    // the child finished its work
  shutdown,  // the child was asked to stop (by us or by the system)
  crash,     // anything else: exception, broken invariant, killed
};

const char* restart_type_name(restart_type type);
const char* restart_strategy_name(restart_strategy strategy);

struct restart_intensity {
  std::uint32_t restarts_max = 5;
  std::uint64_t period_ms = 10'000;
};

// A child's strategy says what its restart does to the children started after it:
// one_for_one leaves them alone, rest_for_one restarts them too (they depend on it).
struct child_policy {
  std::string name;
  restart_type restart = restart_type::permanent;
  restart_strategy strategy = restart_strategy::one_for_one;
};

// Timestamps come from the shell: monotonic for intensity, wall clock for reports.
struct clock_reading {
  std::uint64_t monotonic_ms = 0;
  std::int64_t unix_ms = 0;
};

struct supervisor_command {
  enum class kind : std::uint8_t { start_child, stop_child, exit_daemon };
  kind what = kind::start_child;
  std::size_t child = 0;  // start_child, stop_child
  int exit_code = 0;      // exit_daemon: 0 after a requested shutdown, 1 on failure
  std::string reason;     // exit_daemon: why, in words

  bool operator==(const supervisor_command&) const = default;
};

using supervisor_commands = std::vector<supervisor_command>;

class supervisor_core {
 public:
  supervisor_core(std::vector<child_policy> children, restart_intensity intensity);

  // Boot: start every child in order.
  supervisor_commands start();
  // The child answered its first probe: it is running.
  void on_child_ready(std::size_t child);
  // The child's actor is gone (or failed to start). Only its current incarnation
  // may report this; the shell filters stale reports.
  supervisor_commands on_child_down(std::size_t child, exit_kind how, const std::string& reason,
                                    clock_reading now);
  // SIGTERM, or an exit request from outside: stop everything, exit 0.
  supervisor_commands on_shutdown_requested(const std::string& reason);
  // An operator asks to restart a running child (the inspector's action). It is
  // stopped and started again by its strategy (rest_for_one: with the children
  // after it), as a crash would be, but the restart does not use the intensity
  // budget: an operator must not be able to take the node down by restarting.
  // Refused, with the reason in words, while shutting down or while another plan
  // runs, for a child that is not running, and for temporary children.
  struct restart_answer {
    bool accepted = false;
    std::string refusal;
    supervisor_commands commands;
  };
  restart_answer on_restart_requested(std::size_t child);
  // Why on_restart_requested(child) would refuse now; nothing when it would not.
  std::optional<std::string> restart_refusal(std::size_t child) const;

  std::size_t child_count() const { return children_.size(); }
  const child_policy& policy(std::size_t child) const;
  const actor_status& status(std::size_t child) const;
  bool alive(std::size_t child) const;
  bool shutting_down() const { return shutdown_.has_value(); }
  std::uint32_t restarts_in_period(std::uint64_t now_monotonic_ms) const;
  const restart_intensity& intensity() const { return intensity_; }

 private:
  struct child_slot {
    child_policy policy;
    actor_status status;
    bool alive = false;
  };
  struct pending_down {
    std::size_t child;
    exit_kind how;
    std::string reason;
    clock_reading now;
  };
  struct shutdown_plan {
    int exit_code = 0;
    std::string reason;
    bool exit_sent = false;
  };

  supervisor_commands decide(std::size_t child, exit_kind how, const std::string& reason,
                             clock_reading now);
  supervisor_commands begin_shutdown(int exit_code, std::string reason);
  supervisor_commands advance();
  bool plan_in_progress() const;
  bool restart_budget_exhausted(std::uint64_t now_monotonic_ms);
  void schedule_restart(std::size_t child);
  void restart_dependents(std::size_t child);
  void forget_from_stop_queue(std::size_t child);
  child_slot& slot(std::size_t child);

  std::vector<child_slot> children_;
  restart_intensity intensity_;
  std::deque<std::uint64_t> restart_times_ms_;  // within the intensity period
  std::deque<std::size_t> stop_queue_;
  std::vector<std::size_t> start_queue_;
  std::optional<std::size_t> awaiting_stop_;
  std::deque<pending_down> pending_downs_;  // crashes seen while a plan ran
  std::optional<shutdown_plan> shutdown_;
  std::uint64_t latest_monotonic_ms_ = 0;
  bool started_ = false;
};

}  // namespace bucky
