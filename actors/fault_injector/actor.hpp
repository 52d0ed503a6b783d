// faults: the door through which a chaos test injects faults into this node
// (actors/runtime/injected_faults.hpp). Spawned only when BUCKY_FAULT_INJECTION=1;
// serves fault_request from the owner or an admin (never a node), logs every
// change as a warning, and tells the transport when the blocked peers changed so
// that it closes their sessions at once.
#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/runtime/component.hpp"
#include "actors/runtime/injected_faults.hpp"

namespace bucky {

inline constexpr const char* fault_injector_actor = "faults";

struct fault_injector_config {
  std::shared_ptr<injected_faults> faults;
};

caf::actor spawn_fault_injector(caf::actor_system& system, const child_context& context,
                                fault_injector_config config);

}  // namespace bucky
