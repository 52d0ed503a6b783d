// The inspector's screen as data: what a key does (on_key) and what the terminal
// shows (render), both pure functions of the snapshot, the log lines and ui_state.
// The ncurses shell (tui.cpp) only draws the lines and reads keys; the tests drive
// this directly.
//
// Views: zone (every node, the zone state, the scheduler), node (supervision tree,
// sessions, services; Tab switches), log (one node's log tail, level filter), help.
// Every line is plain ASCII cut to the terminal width; selection is shown by a '>'
// marker as well as highlighting, states are words ("up", "DOWN", "drained"):
// nothing depends on colour.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "apps/bucky_inspect/zone_snapshot.hpp"
#include "messages/log_tail.hpp"

namespace bucky::inspect {

enum class view_kind : std::uint8_t { zone, node, log, help };
enum class node_section : std::uint8_t { actors, sessions, services };
enum class action_kind : std::uint8_t { none, restart_actor, step_down, drain, undrain };

// Something the shell must carry out (the user confirmed it).
struct action {
  action_kind kind = action_kind::none;
  std::string node;
  std::string target;  // restart_actor: the actor's name
};

struct ui_state {
  view_kind view = view_kind::zone;
  view_kind before_help = view_kind::zone;
  std::size_t zone_row = 0;     // the selected node in the zone view
  std::string node;             // the node of the node and log views
  node_section section = node_section::actors;
  std::size_t section_row = 0;  // the selected row of the section
  std::string filter;           // keeps rows and log lines that contain it
  bool editing_filter = false;
  int log_level_min = 2;        // spdlog levels: 0 trace, 1 debug, 2 info, 3 warn, 4 error, 5 critical
  std::optional<action> confirming;  // asked "... ? (y/n)"
  std::string message;          // the last action's answer, or a hint
  bool quit = false;
};

struct key_input {
  enum class code : std::uint8_t { character, up, down, left, right, tab, enter, escape, backspace, page_up, page_down };
  code what = code::character;
  char ch = 0;  // code::character
};

// Applies one key. Returns the action to carry out now (it was just confirmed) or
// one of kind none.
action on_key(ui_state& ui, const zone_snapshot& zone, key_input key);

struct screen_line {
  std::string text;
  bool selected = false;  // drawn highlighted (it also starts with '>')
  bool heading = false;   // drawn bold
};

// Exactly `height` lines, none longer than `width`.
std::vector<screen_line> render(const zone_snapshot& zone, const std::vector<log_tail_line>& log, const ui_state& ui,
                                int width, int height);

// "info", "warn", ... for a spdlog level.
const char* level_name(int level);

// The question asked before an action: "restart actor paxos on n1?".
std::string describe(const action& a);

}  // namespace bucky::inspect
