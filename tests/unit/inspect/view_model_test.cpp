// The inspector's view model: what each view shows, that every size of terminal
// gets exactly its lines, keys, confirmation of actions, filters, the log view,
// message rates, and reading the zone state's documents into a snapshot.
#define BOOST_TEST_MODULE unit_inspect_view_model
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "actors/zone_state/service_json.hpp"
#include "apps/bucky_inspect/view_model.hpp"
#include "apps/bucky_inspect/zone_reading.hpp"

using namespace bucky;
using namespace bucky::inspect;
using code = key_input::code;

namespace {

node_view node(const std::string& name, const std::string& role, std::uint64_t applied) {
  node_view n;
  n.name = name;
  n.address = "127.0.0.1:770" + name.substr(1);
  n.up = true;
  n.state_node = true;
  n.replica = replica_view{role, "n1", 3, 120, applied, 77, {}};
  n.restarts_max = 5;
  n.restart_period_ms = 10'000;
  for (const char* actor : {"log_tail", "transport", "paxos", "scheduler"}) {
    n.actors.push_back({actor, "running", 0, "", 0, 100, -1, 0});
  }
  n.sessions.push_back({"n9", "127.0.0.1:40000", true, true, 65'000, 123'456, 7'890'123, 2});
  return n;
}

zone_snapshot three_nodes() {
  zone_snapshot zone;
  zone.zone_id = "home.test";
  zone.captured_unix_ms = 1'795'000'000'000;
  zone.nodes = {node("n1", "leader", 120), node("n2", "follower", 120), node("n3", "follower", 100)};
  zone.nodes[2].actors[2].restarts = 2;
  zone.nodes[2].actors[2].last_crash_reason = "committing replica state: disk full";
  zone.nodes[2].actors[2].last_crash_unix_ms = zone.captured_unix_ms - 5'000;
  summarize_replicas(zone);
  zone.scheduler = "n2";
  return zone;
}

std::string text(const std::vector<screen_line>& lines) {
  std::string out;
  for (const auto& line : lines) out += line.text + "\n";
  return out;
}

bool has(const std::vector<screen_line>& lines, const std::string& needle) {
  return text(lines).find(needle) != std::string::npos;
}

key_input ch(char c) { return {code::character, c}; }

std::string selected_text(const std::vector<screen_line>& lines) {
  for (const auto& line : lines) {
    if (line.selected) return line.text;
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_zone_view_names_nodes_leader_lag_scheduler_and_down_nodes_in_words) {
  auto zone = three_nodes();
  zone.nodes[1].up = false;
  zone.nodes[1].replica.reset();
  zone.nodes[1].error = "no session: the node is down";
  zone.nodes[2].drained = true;
  ui_state ui;
  auto lines = render(zone, {}, ui, 80, 24);
  BOOST_TEST(zone.leader == "n1");
  BOOST_TEST(has(lines, "leader n1"));
  BOOST_TEST(has(lines, "scheduler: n2"));
  BOOST_TEST(selected_text(lines).rfind("> n1", 0) == 0u);
  BOOST_TEST(has(lines, "n2       127.0.0.1:7702  DOWN"));
  BOOST_TEST(has(lines, "n3       127.0.0.1:7703  drained follower"));
  BOOST_TEST(has(lines, "     120     100   20"));  // n3 chosen, applied, lag
  BOOST_TEST(has(lines, "n1: leads the zone state"));
  ui.zone_row = 1;
  BOOST_TEST(has(render(zone, {}, ui, 80, 24), "n2: holds the scheduler, no session: the node is down"));
}

BOOST_AUTO_TEST_CASE(every_terminal_size_gets_exactly_its_lines_none_too_wide) {
  auto zone = three_nodes();
  std::vector<log_tail_line> log = {{1, 2, std::string(300, 'x')}};
  for (auto view : {view_kind::zone, view_kind::node, view_kind::log, view_kind::help}) {
    for (auto [width, height] : std::vector<std::pair<int, int>>{{80, 24}, {40, 10}, {200, 60}, {1, 1}, {10, 2}, {0, 0}}) {
      ui_state ui;
      ui.view = view;
      ui.node = "n3";
      auto lines = render(zone, log, ui, width, height);
      BOOST_TEST(lines.size() == std::size_t(std::max(height, 1)));
      for (const auto& line : lines) BOOST_TEST(line.text.size() <= std::size_t(std::max(width, 1)));
    }
  }
  // 80 x 24 shows the whole zone table: the widest row fits.
  ui_state ui;
  for (const auto& line : render(zone, log, ui, 80, 24)) BOOST_TEST(line.text.size() <= 80u);
  BOOST_TEST(has(render(zone, log, ui, 80, 24), "ACTOR"));
}

BOOST_AUTO_TEST_CASE(keys_move_the_selection_open_a_node_switch_sections_and_go_back) {
  auto zone = three_nodes();
  ui_state ui;
  on_key(ui, zone, {code::up});
  BOOST_TEST(ui.zone_row == 0u);  // stays at the top
  for (int i = 0; i < 5; ++i) on_key(ui, zone, {code::down});
  BOOST_TEST(ui.zone_row == 2u);  // and at the bottom
  on_key(ui, zone, {code::enter});
  BOOST_TEST((ui.view == view_kind::node));
  BOOST_TEST(ui.node == "n3");
  auto lines = render(zone, {}, ui, 80, 24);
  BOOST_TEST(has(lines, "[Actors]"));
  BOOST_TEST(has(lines, "node n3 (127.0.0.1:7703) up  restart budget 0/5 in 10 s"));
  BOOST_TEST(has(lines, "|- paxos          running           2"));
  BOOST_TEST(has(lines, "11:06:35 committing rep"));  // cut at the width in the row...
  on_key(ui, zone, {code::down});
  on_key(ui, zone, {code::down});
  lines = render(zone, {}, ui, 80, 24);  // ...and whole, wrapped, below for the selected actor
  BOOST_TEST(has(lines, "paxos crashed at 11:06:35 UTC: committing replica state: disk full"));
  BOOST_TEST(has(lines, "`- scheduler"));  // the last child of node_daemon
  on_key(ui, zone, {code::tab});
  lines = render(zone, {}, ui, 80, 24);
  BOOST_TEST(has(lines, "[Sessions]"));
  BOOST_TEST(has(lines, "n9         127.0.0.1:40000       out up      65s    120K   7705K      2"));
  on_key(ui, zone, {code::tab});
  BOOST_TEST(has(render(zone, {}, ui, 80, 24), "no status reported"));
  on_key(ui, zone, {code::tab});
  BOOST_TEST((ui.section == node_section::actors));
  on_key(ui, zone, {code::escape});
  BOOST_TEST((ui.view == view_kind::zone));
  BOOST_TEST(ui.zone_row == 2u);  // back on n3's row
  on_key(ui, zone, ch('?'));
  BOOST_TEST((ui.view == view_kind::help));
  BOOST_TEST(has(render(zone, {}, ui, 80, 24), "restart the selected actor"));
  on_key(ui, zone, ch('x'));
  BOOST_TEST((ui.view == view_kind::zone));
  on_key(ui, zone, ch('q'));
  BOOST_TEST(ui.quit);
}

BOOST_AUTO_TEST_CASE(actions_are_asked_first_and_only_y_carries_them_out) {
  auto zone = three_nodes();
  ui_state ui;
  on_key(ui, zone, {code::down});
  on_key(ui, zone, {code::enter});  // n2
  on_key(ui, zone, {code::down});
  on_key(ui, zone, {code::down});   // paxos
  BOOST_TEST((on_key(ui, zone, ch('r')).kind == action_kind::none));
  BOOST_TEST(has(render(zone, {}, ui, 80, 24), "restart actor 'paxos' on n2? (y/n)"));
  BOOST_TEST((on_key(ui, zone, ch('n')).kind == action_kind::none));
  BOOST_TEST(ui.message == "cancelled");
  on_key(ui, zone, ch('r'));
  auto restart = on_key(ui, zone, ch('y'));
  BOOST_TEST((restart.kind == action_kind::restart_actor));
  BOOST_TEST(restart.node == "n2");
  BOOST_TEST(restart.target == "paxos");
  // Step down always goes to the leader, whatever node is in view.
  on_key(ui, zone, ch('s'));
  auto step = on_key(ui, zone, ch('y'));
  BOOST_TEST((step.kind == action_kind::step_down));
  BOOST_TEST(step.node == "n1");
  // Drain toggles.
  on_key(ui, zone, ch('d'));
  BOOST_TEST((on_key(ui, zone, ch('y')).kind == action_kind::drain));
  zone.nodes[1].drained = true;
  on_key(ui, zone, ch('d'));
  auto undrain = on_key(ui, zone, ch('y'));
  BOOST_TEST((undrain.kind == action_kind::undrain));
  // r outside the actors section explains itself.
  on_key(ui, zone, {code::tab});
  on_key(ui, zone, ch('r'));
  BOOST_TEST(!ui.confirming.has_value());
  BOOST_TEST(ui.message == "r restarts the selected actor: Tab to the actors first");
  zone.leader.clear();
  on_key(ui, zone, ch('s'));
  BOOST_TEST(!ui.confirming.has_value());
  BOOST_TEST(ui.message == "no leader of the zone state is known: nothing to step down");
}

BOOST_AUTO_TEST_CASE(the_filter_keeps_matching_rows_and_log_lines) {
  auto zone = three_nodes();
  ui_state ui;
  on_key(ui, zone, ch('/'));
  on_key(ui, zone, ch('n'));
  on_key(ui, zone, ch('3'));
  BOOST_TEST(has(render(zone, {}, ui, 80, 24), "filter: n3_"));
  on_key(ui, zone, ch('q'));  // typed into the filter, no quit
  BOOST_TEST(!ui.quit);
  on_key(ui, zone, {code::backspace});
  on_key(ui, zone, {code::enter});
  auto lines = render(zone, {}, ui, 80, 24);
  BOOST_TEST(has(lines, "n3       127.0.0.1"));
  BOOST_TEST(!has(lines, "n1       127.0.0.1"));
  on_key(ui, zone, {code::enter});
  BOOST_TEST(ui.node == "n3");  // the first (only) shown row
  on_key(ui, zone, ch('l'));
  BOOST_TEST((ui.view == view_kind::log));
  std::vector<log_tail_line> log = {{1, 1, "2026-11-26T12:00:00.001 debug [n3] paxos: tick"},
                                    {2, 2, "2026-11-26T12:00:00.002 info  [n3] paxos: leader of the zone state"},
                                    {3, 3, "2026-11-26T12:00:00.003 warn  [n3] transport: rejected connection"},
                                    {4, 4, "2026-11-26T12:00:00.004 error [n3] node_daemon: child 'paxos' crashed"}};
  lines = render(zone, log, ui, 80, 24);
  BOOST_TEST(has(lines, "level info and above"));
  BOOST_TEST(!has(lines, "tick"));
  BOOST_TEST(has(lines, "12:00:00.002 info  [n3] paxos: leader"));  // the date is dropped
  BOOST_TEST(!has(lines, "2026-11-26T"));
  on_key(ui, zone, ch('+'));
  BOOST_TEST(!has(render(zone, log, ui, 80, 24), "paxos: leader"));
  for (int i = 0; i < 10; ++i) on_key(ui, zone, ch('+'));
  BOOST_TEST(ui.log_level_min == 5);
  BOOST_TEST(has(render(zone, log, ui, 80, 24), "(no lines)"));
  for (int i = 0; i < 10; ++i) on_key(ui, zone, ch('-'));
  BOOST_TEST(ui.log_level_min == 0);
  on_key(ui, zone, ch('/'));
  for (char c : std::string("crash")) on_key(ui, zone, ch(c));
  on_key(ui, zone, {code::enter});
  lines = render(zone, log, ui, 80, 24);
  BOOST_TEST(has(lines, "crashed"));
  BOOST_TEST(!has(lines, "rejected"));
  on_key(ui, zone, {code::escape});
  BOOST_TEST((ui.view == view_kind::node));
}

BOOST_AUTO_TEST_CASE(message_rates_come_from_the_previous_snapshot_of_the_same_node) {
  auto before = three_nodes();
  auto now = three_nodes();
  now.captured_unix_ms = before.captured_unix_ms + 2'000;
  now.nodes[0].actors[1].messages_handled = 500;  // transport: +400 in 2 s
  now.nodes[1].actors[1].messages_handled = 50;   // fewer than before: the node restarted
  fill_rates(&before, now);
  BOOST_TEST(now.nodes[0].actors[1].messages_per_s == 200.0);
  BOOST_TEST(now.nodes[0].actors[0].messages_per_s == 0.0);
  BOOST_TEST(now.nodes[1].actors[1].messages_per_s == -1.0);
  fill_rates(nullptr, now);
  BOOST_TEST(now.nodes[0].actors[1].messages_per_s == -1.0);
  auto json = to_json(now);
  BOOST_TEST(json["nodes"][0]["actors"][1]["messages_per_s"].is_null());
  BOOST_TEST(json["leader"] == "n1");
  BOOST_TEST(json["nodes"][2]["zone_state"]["lag"] == 20);
  BOOST_TEST(json["nodes"][0]["sessions"][0]["errors"] == 2);
}

BOOST_AUTO_TEST_CASE(the_zone_state_read_fills_services_drains_and_the_scheduler) {
  auto zone = three_nodes();
  node_config config;
  config.node_id = "n2";
  instance_pointer placed;
  placed.service = "photos";
  placed.instance = 0;
  config.instances.push_back(placed);
  node_status status;
  status.node_id = "n2";
  instance_status running;
  running.service = "photos";
  running.instance = 0;
  running.state = instance_state::running;
  running.pid = 4242;
  running.restarts = 1;
  running.last_exit = "signal 9 (Killed)";
  instance_status leaving = running;
  leaving.service = "notes";
  leaving.state = instance_state::stopping;
  status.instances = {running, leaving};
  kv_response answer;
  answer.results.resize(2);
  answer.results[0].kvs = {{"/nodes/n2/config", node_config_to_json(config)},
                           {"/nodes/n2/status", node_status_to_json(status)},
                           {"/nodes/n3/drain", R"({"node":"n3"})"},
                           {"/nodes/n7/status", "not json"},
                           {"/nodes/odd", "x"}};
  answer.results[1].kvs = {{"/scheduler/leader", "n1"}};
  apply_zone_state(answer, zone);
  BOOST_TEST(zone.scheduler == "n1");
  BOOST_TEST(zone.nodes[2].drained);
  BOOST_TEST(!zone.nodes[1].drained);
  BOOST_TEST(zone.nodes[1].reports_status);
  BOOST_TEST_REQUIRE(zone.nodes[1].services.size() == 2u);
  BOOST_TEST(zone.nodes[1].services[0].id == "notes/0");
  BOOST_TEST(!zone.nodes[1].services[0].desired);  // still running, no longer placed here
  BOOST_TEST(zone.nodes[1].services[1].id == "photos/0");
  BOOST_TEST(zone.nodes[1].services[1].desired);
  BOOST_TEST(zone.nodes[1].services[1].pid == 4242);
  BOOST_TEST_REQUIRE(zone.nodes.size() == 4u);  // n7 reports but is not in the zone config
  BOOST_TEST(zone.nodes[3].name == "n7");
  BOOST_TEST(!zone.nodes[3].up);
  ui_state ui;
  ui.view = view_kind::node;
  ui.node = "n2";
  ui.section = node_section::services;
  auto lines = render(zone, {}, ui, 80, 24);
  BOOST_TEST(has(lines, "notes/0            no     stopping"));
  BOOST_TEST(has(lines, "photos/0           yes    running         4242        1  signal 9 (Killed)"));
  answer.results.resize(1);
  apply_zone_state(answer, zone);
  BOOST_TEST(zone.zone_state_error == "unexpected answer from the zone state");
}

// The zone file system's df: the selected node's chunk store in its notes, the
// tree and repair's last figures in one line, and the same in --once --json.
BOOST_AUTO_TEST_CASE(the_zone_view_shows_each_nodes_chunk_store_and_the_zone_files) {
  auto zone = three_nodes();
  ui_state ui;
  BOOST_TEST(has(render(zone, {}, ui, 80, 24), "files: not asked yet"));
  fs_reply df;
  df.node_id = "n2";
  df.zone.files = 1234;
  df.zone.directories = 56;
  df.zone.file_bytes = 50ull * 1024 * 1024;
  df.zone.repair_report = R"({"node": "n3", "under_replicated": 2, "copies_missing": 3, "lost": 0, "round": 9})";
  fs_node_usage n1{"n1", true, "", {}};
  n1.figures.chunks = 77;
  n1.figures.bytes = 20ull * 1024 * 1024;
  n1.figures.room_bytes = 40ull * 1024 * 1024 * 1024;
  n1.figures.accepting = false;
  df.nodes = {n1, fs_node_usage{"n2", false, "no answer in 3000 ms", {}}, fs_node_usage{"elsewhere", true, "", {}}};
  apply_files(df, 1000, zone);
  auto lines = render(zone, {}, ui, 80, 24);
  BOOST_TEST(has(lines, "files: 1234 files, 56 dirs, 50M; copies missing 3, lost 0 (repair: n3)"));
  BOOST_TEST(has(render(zone, {}, ui, 200, 24), "77 chunks (20M), room 40G, FULL: takes no new chunks"));
  ui.zone_row = 1;
  BOOST_TEST(has(render(zone, {}, ui, 120, 24), "chunk store: no answer in 3000 ms"));
  BOOST_TEST(!zone.nodes[2].chunks.has_value());  // df did not name n3
  auto json = to_json(zone);
  BOOST_TEST(json["files"]["copies_missing"].get<int>() == 3);
  BOOST_TEST(json["nodes"][0]["chunk_store"]["chunks"].get<int>() == 77);
  BOOST_TEST(json["nodes"][1]["chunk_store"]["problem"].get<std::string>() == "no answer in 3000 ms");

  // A report that is not what this version writes, and a failed df, are said as such.
  df.zone.repair_report = R"({"lost": "many"})";
  df.zone.complete = false;
  apply_files(df, 2000, zone);
  BOOST_TEST(has(render(zone, {}, ui, 100, 24),
                 "files: at least 1234 files, 56 dirs, 50M; repair: /fs/repair has no under_replicated count"));
  df.zone.repair_report = R"({"under_replicated": 0})";
  apply_files(df, 2500, zone);
  BOOST_TEST(has(render(zone, {}, ui, 100, 24), "copies missing ?, lost ?"));
  df.zone.repair_report = "";
  apply_files(df, 3000, zone);
  BOOST_TEST(has(render(zone, {}, ui, 80, 24), "repair: not reported yet"));
  df.error = 5;
  df.message = "the zone state did not answer";
  apply_files(df, 4000, zone);
  BOOST_TEST(has(render(zone, {}, ui, 100, 24), "files: df failed: the zone state did not answer (errno 5)"));
}
