// render(): the lines of each view (view_model.hpp).
#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "apps/bucky_inspect/view_model.hpp"
#include "apps/bucky_inspect/view_rows.hpp"

namespace bucky::inspect {

namespace {

struct page {
  std::vector<screen_line> lines;
  void add(std::string text, bool selected = false, bool heading = false) {
    lines.push_back({std::move(text), selected, heading});
  }
};

std::string clock_text(std::int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  std::time_t seconds = unix_ms / 1000;
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  return fmt::format("{:02}:{:02}:{:02}", parts.tm_hour, parts.tm_min, parts.tm_sec);
}

std::string bytes_text(std::uint64_t bytes) {
  if (bytes < 10'000) return fmt::format("{}B", bytes);
  if (bytes < 10'000'000) return fmt::format("{}K", bytes / 1024);
  if (bytes < 10'000'000'000) return fmt::format("{}M", bytes / (1024 * 1024));
  return fmt::format("{}G", bytes / (1024 * 1024 * 1024));
}

std::string age_text(std::uint64_t ms) {
  auto s = ms / 1000;
  if (s < 120) return fmt::format("{}s", s);
  if (s < 7200) return fmt::format("{}m", s / 60);
  return fmt::format("{}h", s / 3600);
}

// "2026-11-26T12:55:04.938 info ..." -> "12:55:04.938 info ...": the time is what
// a tail needs, and the width is short.
std::string without_date(const std::string& line) {
  bool dated = line.size() > 11 && line[4] == '-' && line[7] == '-' && line[10] == 'T';
  return dated ? line.substr(11) : line;
}

// Adds rows[offset..] so the selected one is visible in `room` lines.
void add_rows(page& out, const std::vector<std::string>& rows, std::size_t selected, std::size_t room) {
  if (rows.empty() || room == 0) return;
  selected = std::min(selected, rows.size() - 1);
  std::size_t first = selected >= room ? selected - room + 1 : 0;
  for (std::size_t i = first; i < rows.size() && i < first + room; ++i) {
    out.add((i == selected ? "> " : "  ") + rows[i], i == selected);
  }
}

std::string node_notes(const zone_snapshot& zone, const node_view& n) {
  std::vector<std::string> notes;
  if (n.name == zone.leader) notes.push_back("leads the zone state");
  if (n.name == zone.scheduler) notes.push_back("holds the scheduler");
  if (n.drained) notes.push_back("drained (no services placed here)");
  if (n.up && !n.reports_status) notes.push_back("no node status in the zone state");
  if (!n.up && !n.error.empty()) notes.push_back(n.error);
  if (n.chunks && n.chunks->reachable) {
    notes.push_back(fmt::format("{} chunks ({}), room {}{}", n.chunks->chunks, bytes_text(n.chunks->bytes),
                                bytes_text(n.chunks->room_bytes), n.chunks->accepting ? "" : ", FULL: takes no new chunks"));
  } else if (n.chunks && n.up) {
    notes.push_back("chunk store: " + n.chunks->problem);
  }
  return fmt::format("{}", fmt::join(notes, ", "));
}

// The zone file system in one line: its tree and what repair last found.
std::string files_line(const zone_snapshot& zone) {
  if (!zone.files) return "files: not asked yet";
  const auto& f = *zone.files;
  if (!f.error.empty()) return "files: df failed: " + f.error;
  auto figure = [](std::int64_t n) { return n < 0 ? std::string("?") : std::to_string(n); };
  std::string repair = !f.repair_problem.empty() ? "repair: " + f.repair_problem
                       : f.under_replicated < 0  ? std::string("repair: not reported yet")
                                                 : fmt::format("copies missing {}, lost {}{}", figure(f.copies_missing),
                                                               figure(f.lost),
                                                               f.repair_node.empty() ? "" : " (repair: " + f.repair_node + ")");
  return fmt::format("files: {}{} files, {} dirs, {}; {}", f.complete ? "" : "at least ", f.files, f.directories,
                     bytes_text(f.file_bytes), repair);
}

void zone_view(page& out, const zone_snapshot& zone, const ui_state& ui, std::size_t room) {
  out.add(fmt::format("  {:<8} {:<15} {:<7} {:<9} {:>6} {:>7} {:>7} {:>4} {:>5}", "NODE", "ADDRESS", "STATE", "ROLE",
                      "BALLOT", "CHOSEN", "APPLIED", "LAG", "ACTOR"),
          false, true);
  std::vector<std::string> rows;
  auto shown = nodes_shown(zone, ui.filter);
  for (const auto* node : shown) {
    const auto& n = *node;
    std::string role = "-", ballot = "-", chosen = "-", applied = "-", lag = "-";
    if (n.replica && n.replica->error.empty()) {
      role = n.replica->role;
      ballot = std::to_string(n.replica->ballot);
      chosen = std::to_string(n.replica->chosen_below);
      applied = std::to_string(n.replica->applied_below);
      lag = std::to_string(replica_lag(zone, n));
    } else if (n.replica) {
      role = "?";
    }
    auto running = std::count_if(n.actors.begin(), n.actors.end(), [](const actor_row& a) { return a.state == "running"; });
    auto actors = n.up ? fmt::format("{}/{}", running, n.actors.size()) : std::string("-");
    auto state = !n.up ? "DOWN" : n.drained ? "drained" : "up";
    rows.push_back(fmt::format("{:<8} {:<15} {:<7} {:<9} {:>6} {:>7} {:>7} {:>4} {:>5}", n.name, n.address, state, role,
                               ballot, chosen, applied, lag, actors));
  }
  const auto* selected = row_at(shown, ui.zone_row);
  // blank, selected node's notes, zone-state summary, files (, error)
  std::size_t below = zone.zone_state_error.empty() ? 4 : 5;
  add_rows(out, rows, ui.zone_row, room > below + 1 ? room - below - 1 : 1);
  if (rows.empty()) out.add(ui.filter.empty() ? "  (no nodes)" : "  (no node matches the filter)");
  out.add("");
  if (selected) {
    auto notes = node_notes(zone, *selected);
    out.add(fmt::format("{}: {}", selected->name, notes.empty() ? "no notes" : notes));
  }
  out.add(fmt::format("zone state: leader {}, ballot {}, revision {}; scheduler: {}",
                      zone.leader.empty() ? "none" : zone.leader, zone.ballot, zone.revision,
                      zone.scheduler.empty() ? "none" : zone.scheduler));
  out.add(files_line(zone));
  if (!zone.zone_state_error.empty()) out.add("zone state read failed: " + zone.zone_state_error);
}

std::vector<std::string> actor_rows(const node_view& n, const ui_state& ui) {
  std::vector<std::string> rows;
  auto shown = actors_shown(n, ui.filter);
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const auto& a = *shown[i];
    auto rate = a.messages_per_s < 0 ? std::string("-") : fmt::format("{:.0f}", a.messages_per_s);
    auto mailbox = a.mailbox_size < 0 ? std::string("-") : std::to_string(a.mailbox_size);
    auto crash = a.last_crash_reason.empty() ? std::string("-")
                                             : clock_text(a.last_crash_unix_ms) + " " + a.last_crash_reason;
    rows.push_back(fmt::format("{} {:<14} {:<10} {:>8} {:>7} {:>7}  {}", i + 1 == shown.size() ? "`-" : "|-", a.name,
                               a.state, a.restarts, rate, mailbox, crash));
  }
  return rows;
}

std::vector<std::string> session_rows(const node_view& n, const ui_state& ui) {
  std::vector<std::string> rows;
  for (const auto* session : sessions_shown(n, ui.filter)) {
    const auto& s = *session;
    rows.push_back(fmt::format("{:<10} {:<21} {:<3} {:<5} {:>5} {:>7} {:>7} {:>6}", s.peer, s.remote_address,
                               s.outbound ? "out" : "in", s.established ? "up" : "hello", age_text(s.age_ms),
                               bytes_text(s.bytes_in), bytes_text(s.bytes_out), s.errors));
  }
  return rows;
}

std::vector<std::string> service_rows(const node_view& n, const ui_state& ui) {
  std::vector<std::string> rows;
  for (const auto* instance : services_shown(n, ui.filter)) {
    const auto& i = *instance;
    auto last = i.last_error.empty() ? i.last_exit : i.last_error;
    rows.push_back(fmt::format("{:<18} {:<6} {:<12} {:>7} {:>8}  {}", i.id, i.desired ? "yes" : "no", i.state,
                               i.pid ? std::to_string(i.pid) : "-", i.restarts, last.empty() ? "-" : last));
  }
  return rows;
}

// `text` in lines of at most `width` characters, at most lines_max of them.
void add_wrapped(page& out, const std::string& text, std::size_t width, std::size_t lines_max) {
  for (std::size_t at = 0, n = 0; at < text.size() && n < lines_max; at += width, ++n) out.add(text.substr(at, width));
}

void node_page(page& out, const zone_snapshot& zone, const ui_state& ui, std::size_t room, std::size_t width) {
  const auto* n = zone.node(ui.node);
  if (!n) {
    out.add(fmt::format("node {} is not in the zone any more (Esc: back)", ui.node));
    return;
  }
  out.add(fmt::format("node {} ({}) {}  restart budget {}/{} in {} s{}{}", n->name, n->address, n->up ? "up" : "DOWN",
                      n->restarts_in_period, n->restarts_max, n->restart_period_ms / 1000, n->drained ? "  drained" : "",
                      n->name == zone.leader ? "  zone-state leader" : ""));
  if (!n->error.empty()) out.add("  " + n->error);
  static const char* names[] = {"Actors", "Sessions", "Services"};
  std::string tabs;
  for (int s = 0; s < 3; ++s) {
    tabs += static_cast<int>(ui.section) == s ? fmt::format("[{}] ", names[s]) : fmt::format(" {}  ", names[s]);
  }
  out.add(tabs + " (Tab)");
  std::vector<std::string> rows;
  switch (ui.section) {
    case node_section::actors:
      out.add(fmt::format("node_daemon (supervisor)  {:<11} {:>8} {:>7} {:>7}  {}", "STATE", "RESTARTS", "MSG/S",
                          "MAILBOX", "LAST CRASH"),
              false, true);
      rows = actor_rows(*n, ui);
      break;
    case node_section::sessions:
      out.add(fmt::format("  {:<10} {:<21} {:<3} {:<5} {:>5} {:>7} {:>7} {:>6}", "PEER", "ADDRESS", "DIR", "STATE",
                          "AGE", "IN", "OUT", "ERRORS"),
              false, true);
      rows = session_rows(*n, ui);
      break;
    case node_section::services:
      out.add(fmt::format("  {:<18} {:<6} {:<12} {:>7} {:>8}  {}", "INSTANCE", "PLACED", "STATE", "PID", "RESTARTS",
                          "LAST EXIT / ERROR"),
              false, true);
      rows = service_rows(*n, ui);
      if (rows.empty() && ui.filter.empty()) out.add(n->reports_status ? "  nothing placed here" : "  no status reported");
      break;
  }
  // The selected actor's last crash, whole: the row has room for its start only.
  const actor_row* crashed = nullptr;
  if (ui.section == node_section::actors) crashed = row_at(actors_shown(*n, ui.filter), ui.section_row);
  if (crashed && crashed->last_crash_reason.empty()) crashed = nullptr;
  constexpr std::size_t crash_lines_max = 3;
  auto used = out.lines.size() + (crashed ? crash_lines_max + 1 : 0);
  add_rows(out, rows, ui.section_row, room > used ? room - used : 1);
  if (!crashed) return;
  out.add("");
  add_wrapped(out,
              fmt::format("{} crashed at {} UTC: {}", crashed->name, clock_text(crashed->last_crash_unix_ms),
                          crashed->last_crash_reason),
              width, crash_lines_max);
}

void log_page(page& out, const std::vector<log_tail_line>& log, const ui_state& ui, std::size_t room) {
  out.add(fmt::format("log of {}: level {} and above (+/- to change){}", ui.node, level_name(ui.log_level_min),
                      ui.filter.empty() ? "" : ", lines containing '" + ui.filter + "'"),
          false, true);
  std::vector<const log_tail_line*> shown;
  for (const auto& line : log) {
    if (line.level >= ui.log_level_min && filter_keeps(line.text, ui.filter)) shown.push_back(&line);
  }
  std::size_t space = room > 1 ? room - 1 : 0;
  std::size_t first = shown.size() > space ? shown.size() - space : 0;
  for (std::size_t i = first; i < shown.size(); ++i) out.add(without_date(shown[i]->text));
  if (shown.empty()) out.add("  (no lines)");
}

void help_page(page& out) {
  for (const char* line : {
           "Keys",
           "  Up/Down, PgUp/PgDn   select a row",
           "  Enter, Right         open the selected node (zone view)",
           "  Tab                  actors / sessions / services (node view)",
           "  Esc, Left            back",
           "  l                    log of the node; + and - change the level",
           "  /                    filter rows and log lines (Enter keeps, Esc clears)",
           "  r                    restart the selected actor (node view, actors)",
           "  s                    ask the zone-state leader to step down",
           "  d                    drain / undrain the selected node",
           "  ?                    this help; q quits",
           "Every action asks first: y carries it out, any other key cancels.",
           "The screen refreshes about once a second.",
       }) {
    out.add(line);
  }
}

std::string footer(const ui_state& ui) {
  if (ui.confirming) return describe(*ui.confirming) + "? (y/n)";
  if (ui.editing_filter) return "filter: " + ui.filter + "_  (Enter keeps, Esc clears)";
  if (!ui.message.empty()) return ui.message;
  switch (ui.view) {
    case view_kind::zone: return "Up/Down select  Enter open  l log  s step down  d drain  / filter  ? help  q quit";
    case view_kind::node: return "Tab section  r restart  l log  s step down  d drain  Esc back  / filter  ? help  q quit";
    case view_kind::log: return "+/- level  / filter  Esc back  ? help  q quit";
    case view_kind::help: return "any key: back  q quit";
  }
  return "";
}

}  // namespace

std::vector<screen_line> render(const zone_snapshot& zone, const std::vector<log_tail_line>& log, const ui_state& ui,
                                int width, int height) {
  page out;
  width = std::max(width, 1);
  height = std::max(height, 1);
  static const char* view_names[] = {"zone", "node", "log", "help"};
  out.add(fmt::format("bucky-inspect  zone {}  [{}]  leader {}  rev {}  {} UTC", zone.zone_id,
                      view_names[static_cast<int>(ui.view)], zone.leader.empty() ? "none" : zone.leader, zone.revision,
                      clock_text(zone.captured_unix_ms)),
          false, true);
  std::size_t room = height > 2 ? static_cast<std::size_t>(height) - 2 : 0;
  page body;
  switch (ui.view) {
    case view_kind::zone: zone_view(body, zone, ui, room); break;
    case view_kind::node: node_page(body, zone, ui, room, static_cast<std::size_t>(width)); break;
    case view_kind::log: log_page(body, log, ui, room); break;
    case view_kind::help: help_page(body); break;
  }
  for (std::size_t i = 0; i < body.lines.size() && i < room; ++i) out.lines.push_back(body.lines[i]);
  while (out.lines.size() + 1 < static_cast<std::size_t>(height)) out.add("");
  if (height > 1) out.add(footer(ui), false, true);
  out.lines.resize(static_cast<std::size_t>(height));
  for (auto& line : out.lines) {
    if (line.text.size() > static_cast<std::size_t>(width)) line.text.resize(static_cast<std::size_t>(width));
  }
  return out.lines;
}

}  // namespace bucky::inspect
