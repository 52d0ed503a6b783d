#include "apps/bucky_inspect/view_model.hpp"

#include "apps/bucky_inspect/view_rows.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace bucky::inspect {

namespace {

std::size_t section_rows(const node_view* node, const ui_state& ui) {
  if (!node) return 0;
  switch (ui.section) {
    case node_section::actors: return actors_shown(*node, ui.filter).size();
    case node_section::sessions: return sessions_shown(*node, ui.filter).size();
    case node_section::services: return services_shown(*node, ui.filter).size();
  }
  return 0;
}

void move(std::size_t& row, std::size_t count, long delta) {
  if (count == 0) {
    row = 0;
    return;
  }
  long next = std::clamp(static_cast<long>(row) + delta, 0L, static_cast<long>(count) - 1);
  row = static_cast<std::size_t>(next);
}

void open_node(ui_state& ui, const std::string& name) {
  ui.view = view_kind::node;
  ui.node = name;
  ui.section = node_section::actors;
  ui.section_row = 0;
  ui.filter.clear();
}

void ask(ui_state& ui, action a) {
  ui.message.clear();
  ui.confirming = std::move(a);
}

void ask_step_down(ui_state& ui, const zone_snapshot& zone) {
  if (zone.leader.empty()) {
    ui.message = "no leader of the zone state is known: nothing to step down";
    return;
  }
  ask(ui, {action_kind::step_down, zone.leader, {}});
}

void ask_drain(ui_state& ui, const node_view* node) {
  if (!node) return;
  ask(ui, {node->drained ? action_kind::undrain : action_kind::drain, node->name, {}});
}

void on_zone_key(ui_state& ui, const zone_snapshot& zone, key_input key) {
  auto shown = nodes_shown(zone, ui.filter);
  auto count = shown.size();
  using code = key_input::code;
  if (key.what == code::up) move(ui.zone_row, count, -1);
  if (key.what == code::down) move(ui.zone_row, count, 1);
  if (key.what == code::page_up) move(ui.zone_row, count, -10);
  if (key.what == code::page_down) move(ui.zone_row, count, 10);
  const auto* node = row_at(shown, ui.zone_row);
  if ((key.what == code::enter || key.what == code::right) && node) open_node(ui, node->name);
  if (key.what != code::character) return;
  if (key.ch == 's') ask_step_down(ui, zone);
  if (key.ch == 'd') ask_drain(ui, node);
  if (key.ch == 'l' && node) {
    open_node(ui, node->name);
    ui.view = view_kind::log;
  }
}

void on_node_key(ui_state& ui, const zone_snapshot& zone, key_input key) {
  const auto* node = zone.node(ui.node);
  using code = key_input::code;
  auto count = section_rows(node, ui);
  if (key.what == code::up) move(ui.section_row, count, -1);
  if (key.what == code::down) move(ui.section_row, count, 1);
  if (key.what == code::page_up) move(ui.section_row, count, -10);
  if (key.what == code::page_down) move(ui.section_row, count, 10);
  if (key.what == code::tab || key.what == code::right) {
    ui.section = static_cast<node_section>((static_cast<int>(ui.section) + 1) % 3);
    ui.section_row = 0;
  }
  if (key.what == code::left || key.what == code::escape || key.what == code::backspace) {
    ui.view = view_kind::zone;
    ui.filter.clear();
    auto rows = nodes_shown(zone, ui.filter);  // back on the row of the node just seen
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i]->name == ui.node) ui.zone_row = i;
    }
    return;
  }
  if (key.what != code::character) return;
  if (key.ch == 'l') ui.view = view_kind::log;
  if (key.ch == 's') ask_step_down(ui, zone);
  if (key.ch == 'd') ask_drain(ui, node);
  if (key.ch == 'r') {
    if (ui.section != node_section::actors || !node) {
      ui.message = "r restarts the selected actor: Tab to the actors first";
      return;
    }
    const auto* actor = row_at(actors_shown(*node, ui.filter), ui.section_row);
    if (actor) ask(ui, {action_kind::restart_actor, node->name, actor->name});
  }
}

void on_log_key(ui_state& ui, key_input key) {
  using code = key_input::code;
  if (key.what == code::left || key.what == code::escape || key.what == code::backspace) {
    ui.view = view_kind::node;
    return;
  }
  if (key.what != code::character) return;
  if (key.ch == '+' || key.ch == '=') ui.log_level_min = std::min(ui.log_level_min + 1, 5);
  if (key.ch == '-') ui.log_level_min = std::max(ui.log_level_min - 1, 0);
}

bool on_filter_key(ui_state& ui, key_input key) {
  using code = key_input::code;
  if (key.what == code::enter) ui.editing_filter = false;
  else if (key.what == code::escape) ui.editing_filter = false, ui.filter.clear();
  else if (key.what == code::backspace && !ui.filter.empty()) ui.filter.pop_back();
  else if (key.what == code::character && key.ch >= 0x20 && key.ch < 0x7f && ui.filter.size() < 64) ui.filter += key.ch;
  ui.zone_row = 0;
  ui.section_row = 0;
  return true;
}

}  // namespace

const char* level_name(int level) {
  static const char* names[] = {"trace", "debug", "info", "warn", "error", "critical"};
  return level >= 0 && level <= 5 ? names[level] : "?";
}

std::string describe(const action& a) {
  switch (a.kind) {
    case action_kind::restart_actor: return fmt::format("restart actor '{}' on {}", a.target, a.node);
    case action_kind::step_down: return fmt::format("ask {} to step down as leader of the zone state", a.node);
    case action_kind::drain: return fmt::format("drain {}: move every service off it", a.node);
    case action_kind::undrain: return fmt::format("undrain {}: allow services on it again", a.node);
    case action_kind::none: return "nothing";
  }
  return "nothing";
}

action on_key(ui_state& ui, const zone_snapshot& zone, key_input key) {
  using code = key_input::code;
  if (ui.confirming) {
    action chosen = *ui.confirming;
    ui.confirming.reset();
    if (key.what == code::character && (key.ch == 'y' || key.ch == 'Y')) {
      ui.message = describe(chosen) + ": asked";
      return chosen;
    }
    ui.message = "cancelled";
    return {};
  }
  if (ui.editing_filter) {
    on_filter_key(ui, key);
    return {};
  }
  if (key.what == code::character) {
    if (key.ch == 'q') {
      ui.quit = true;
      return {};
    }
    if (key.ch == '?') {
      if (ui.view == view_kind::help) {
        ui.view = ui.before_help;
      } else {
        ui.before_help = ui.view;
        ui.view = view_kind::help;
      }
      return {};
    }
    if (key.ch == '/' && ui.view != view_kind::help) {
      ui.editing_filter = true;
      return {};
    }
  }
  ui.message.clear();
  switch (ui.view) {
    case view_kind::zone: on_zone_key(ui, zone, key); break;
    case view_kind::node: on_node_key(ui, zone, key); break;
    case view_kind::log: on_log_key(ui, key); break;
    case view_kind::help: ui.view = ui.before_help; break;
  }
  return {};
}

}  // namespace bucky::inspect
