// The interactive inspector: ncurses drawing of view_model's lines, keys, and the
// refresh loop (a snapshot about once a second, the log tail of the node in view).
#pragma once

#include <cstdint>
#include <string>

#include "apps/bucky_inspect/collector.hpp"

namespace bucky::inspect {

struct tui_options {
  std::uint64_t refresh_ms = 1'000;
  std::string start_node;  // non-empty: open this node's view first
};

// Runs until the user quits; returns the process exit code.
int run_tui(collector& source, const tui_options& options);

}  // namespace bucky::inspect
