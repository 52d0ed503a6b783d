// Renders node_daemon's actor_table as the fixed-width text table people read
// (bucky-node on SIGUSR1, the quick start). The inspector TUI renders its own.
#pragma once

#include <string>

#include "messages/actor_table.hpp"

namespace bucky {

std::string format_actor_table(const actor_table& table);

// "2026-11-25T17:50:39.123Z"; "-" for 0.
std::string format_unix_ms(std::int64_t unix_ms);

}  // namespace bucky
