// How node_daemon is told what to supervise: a table of child specs in start order.
// apps/bucky-node builds the table; tests build their own with test children.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/node_daemon/supervisor_core.hpp"
#include "actors/runtime/component.hpp"

namespace bucky {

struct child_spec {
  std::string name;  // registry name, at most 10 characters (a CAF 0.17 atom)
  restart_type restart = restart_type::permanent;
  restart_strategy strategy = restart_strategy::one_for_one;
  // Spawns one incarnation of the child: a component_actor built with `context`.
  // May throw: a start failure counts as a crash of the child.
  std::function<caf::actor(caf::actor_system&, const child_context&)> factory;
  // Graceful stop (exit reason user_shutdown) waits this long, then kills.
  std::uint64_t stop_timeout_ms = 5'000;
};

struct node_daemon_config {
  std::string node_id;
  std::vector<child_spec> children;  // start order
  restart_intensity intensity;
  // How long a child may take to answer node_daemon's stats probe.
  std::uint64_t probe_timeout_ms = 1'000;
};

// Spawns `Component` (a component_actor subclass taking (actor_config&, child_context,
// Args...)) for use as a child_spec factory.
template <class Component, class... Args>
auto spawn_component(Args... args) {
  return [=](caf::actor_system& system, const child_context& context) -> caf::actor {
    return system.spawn<Component>(context, args...);
  };
}

// A permanent, one_for_one child spawned by a function of the runtime's usual form
// spawn_x(system, context, config), with its config copied into every incarnation.
template <class Config>
child_spec permanent_child(std::string name, caf::actor (*spawn)(caf::actor_system&, const child_context&, Config),
                           Config config, std::uint64_t stop_timeout_ms) {
  return {std::move(name), restart_type::permanent, restart_strategy::one_for_one,
          [spawn, config = std::move(config)](caf::actor_system& system, const child_context& context) {
            return spawn(system, context, config);
          },
          stop_timeout_ms};
}

}  // namespace bucky
