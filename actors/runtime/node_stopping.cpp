#include "actors/runtime/node_stopping.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_registry.hpp>
#include <caf/atom.hpp>

namespace bucky {

namespace {

constexpr caf::atom_value stopping_name = caf::atom("stopping");

}  // namespace

void mark_node_stopping(caf::event_based_actor* marker) {
  marker->system().registry().put(stopping_name, caf::actor_cast<caf::strong_actor_ptr>(marker));
  marker->attach_functor([marker_system = &marker->system()](const caf::error&) {
    marker_system->registry().erase(stopping_name);
  });
}

bool node_stopping(caf::actor_system& system) { return system.registry().get(stopping_name) != nullptr; }

}  // namespace bucky
