// The node loop's decision (DESIGN §5): from what the node must run (its
// node_config) and what its process manager reports, the actions that converge the
// two. Pure: no clocks (now_ms is an argument), no I/O; node_loop/actor.cpp carries
// the actions out and calls it again on every change and at wake_at_ms.
//
// Per instance id ("service/index"):
//   desired, nothing observed                  -> start
//   desired, running, same spec revision       -> nothing
//   desired, running, other spec revision      -> stop (started anew once it exited)
//   desired, stopping                          -> nothing (wait for the exit)
//   desired, exited/failed, other revision     -> start (a changed spec resets backoff)
//   desired, exited/failed, same revision      -> start when the restart policy allows
//                                                 it and the backoff has passed, else
//                                                 wake then (backoff) or stay (exited)
//   not desired, running                       -> stop
//   not desired, stopping                      -> nothing
//   not desired, exited/failed                 -> forget
// At most one action per id, and never a start while a process of that id lives.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "messages/service.hpp"

namespace bucky {

struct observed_instance {
  enum class phase : std::uint8_t { running, stopping, exited, failed };
  std::string id;
  std::int64_t spec_revision = 0;
  phase now = phase::running;
  bool exit_clean = false;        // exited with status 0
  std::uint32_t failures = 0;     // exits in a row after short runs: the backoff exponent
  std::uint64_t exited_at_ms = 0;
};

struct reconcile_action {
  enum class kind : std::uint8_t { start, stop, forget };
  kind what = kind::start;
  std::string id;
  instance_assignment assignment;  // start only
};

struct reconcile_plan {
  std::vector<reconcile_action> actions;
  std::optional<std::uint64_t> wake_at_ms;          // earliest backoff end
  std::map<std::string, instance_state> states;     // of every desired instance
};

// min(backoff_ms_min * 2^(failures-1), backoff_ms_max); 0 for no failures.
std::uint64_t restart_backoff_ms(const service_spec& spec, std::uint32_t failures);

reconcile_plan reconcile(const std::vector<instance_assignment>& desired,
                         const std::vector<observed_instance>& observed, std::uint64_t now_ms);

}  // namespace bucky
