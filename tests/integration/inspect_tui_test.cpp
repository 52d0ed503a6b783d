// bucky-inspect end to end: the TUI runs in tmux (80 x 24) against a 3-node zone
// on loopback; keys go in with send-keys, the screen comes back with capture-pane.
// It shows the nodes and the leader, restarts an actor, tails a log, asks the
// leader to step down, marks a killed node DOWN, and quits cleanly.
#define BOOST_TEST_MODULE integration_inspect_tui
#include <boost/test/unit_test.hpp>

#include <functional>
#include <regex>

#include <nlohmann/json.hpp>

#include "tests/support/cli_zone.hpp"

using namespace bucky;
using namespace bucky::testing;
using namespace std::chrono_literals;

namespace {

struct zone_of_three : zone_dir {
  zone_of_three() {
    auto created = cli({"zone", "create", "home.test", "--state-nodes", "n1,n2,n3", "--out", zone_file});
    BOOST_TEST_REQUIRE(created.code == 0, created.err);
    for (auto name : {"n1", "n2", "n3"}) bring_up(name);
  }
};

// One tmux server of its own (-L), one 80 x 24 window running `command`.
class tmux_window {
 public:
  tmux_window(zone_dir& zone, const std::string& command)
      : zone_(zone), socket_("bucky-inspect-test-" + std::to_string(::getpid())) {
    auto started = tmux({"new-session", "-d", "-s", "inspect", "-x", "80", "-y", "24", command});
    BOOST_TEST_REQUIRE(started.code == 0, started.err);
  }
  ~tmux_window() { tmux({"kill-server"}); }

  std::string screen() { return tmux({"capture-pane", "-p", "-t", "inspect"}).out; }

  void keys(std::vector<std::string> names) {
    names.insert(names.begin(), {"send-keys", "-t", "inspect"});
    tmux(names);
    std::this_thread::sleep_for(150ms);  // one key loop turn (100 ms) and a redraw
  }

  // Waits until the screen holds `fragment`; false (with the screen in the log) if not.
  bool wait_for(const std::string& fragment, std::chrono::seconds limit = 15s) {
    std::string last;
    bool found = node_process::wait_for(
        [&] {
          last = screen();
          return last.find(fragment) != std::string::npos;
        },
        limit);
    if (!found) BOOST_TEST_MESSAGE("screen without '" << fragment << "':\n" << last);
    return found;
  }

 private:
  cli_run tmux(std::vector<std::string> args) {
    args.insert(args.begin(), {"-L", socket_, "-f", "/dev/null"});
    node_process run(zone_.dir.path, std::move(args), {}, TMUX_BINARY);
    auto code = run.wait_exit(10s);
    return {code.value_or(-1), run.out(), run.err()};
  }

  zone_dir& zone_;
  std::string socket_;
};

using json = nlohmann::json;

// The node running instance 0 of `service` ("" until it runs somewhere).
std::string running_on(zone_dir& zone, const std::string& service) {
  auto status = zone.cli({"--json", "service", "status", service});
  if (status.code != 0) return "";
  auto row = json::parse(status.out)["instances"].at(0);
  return row["state"] == "running" ? row["node"].get<std::string>() : "";
}

// The shell command tmux runs: the inspector as the zone's owner, then its exit
// code written to `exit_file`.
std::string inspect_command(zone_dir& zone, const std::string& args, const std::string& exit_file) {
  return "HOME=" + (zone.dir.path / "home").string() + " TERM=screen " + BUCKY_INSPECT_BINARY + " --zone " +
         zone.zone_file + " " + args + "; echo exit=$? > " + exit_file;
}

// Polls `read` until it gives a value other than `old` and ""; that value, or ""
// when the limit passed first.
std::string wait_for_change(const std::function<std::string()>& read, const std::string& old,
                            std::chrono::seconds limit) {
  std::string now;
  bool changed = node_process::wait_for([&] { return (now = read()) != old && !now.empty(); }, limit);
  return changed ? now : "";
}

// `q`, or Ctrl-C: either way the inspector ends with exit code 0.
void quit_cleanly(tmux_window& tui, const std::string& exit_file, const std::string& key = "q") {
  tui.keys({key});
  BOOST_TEST(node_process::wait_for([&] { return read_file(exit_file) == "exit=0\n"; }, 10s), read_file(exit_file));
}

std::string leader_in(const std::string& screen) {
  std::smatch match;
  return std::regex_search(screen, match, std::regex("leader (n[123]) ")) ? match[1].str() : "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_tui_shows_the_zone_acts_on_it_sees_a_node_die_and_quits_cleanly) {
  zone_of_three zone;
  auto exit_file = (zone.dir.path / "inspect-exit").string();
  // A long call timeout: a hung node would hold a refresh for 3 s.
  tmux_window tui(zone, inspect_command(zone, "--call-timeout-ms 3000", exit_file));
  for (auto row : {"n1       127.0.0.1", "n2       127.0.0.1", "n3       127.0.0.1"}) BOOST_TEST_REQUIRE(tui.wait_for(row));
  std::string leader;
  node_process::wait_for([&] { return !(leader = leader_in(tui.screen())).empty(); }, 15s);
  BOOST_TEST_REQUIRE(!leader.empty(), tui.screen());
  BOOST_TEST(tui.wait_for(" up      leader "));

  // The leader's node view; restart its name service (second child) through node_daemon.
  for (char n = '1'; n < leader.back(); ++n) tui.keys({"Down"});
  tui.keys({"Enter"});
  BOOST_TEST_REQUIRE(tui.wait_for("node " + leader + " (127.0.0.1:"));
  BOOST_TEST(tui.wait_for("[Actors]"));
  BOOST_TEST(tui.wait_for("|- paxos          running"));
  tui.keys({"Down", "r"});
  BOOST_TEST_REQUIRE(tui.wait_for("restart actor 'name_svc' on " + leader + "? (y/n)"));
  tui.keys({"y"});
  BOOST_TEST(tui.wait_for("done: 'name_svc' on " + leader + " restarts now"));
  BOOST_TEST(tui.wait_for("|- name_svc       running           1"));
  tui.keys({"Tab"});
  BOOST_TEST(tui.wait_for("[Sessions]"));
  BOOST_TEST(tui.wait_for("owner"));  // this inspector's own session
  tui.keys({"l"});
  BOOST_TEST(tui.wait_for("log of " + leader + ": level info and above"));
  BOOST_TEST(tui.wait_for("restarting child 'name_svc'"));

  // Back to the zone; the leader steps down and another takes over.
  tui.keys({"Escape"});
  tui.keys({"Escape"});
  BOOST_TEST_REQUIRE(tui.wait_for("[zone]"));
  tui.keys({"s"});
  BOOST_TEST_REQUIRE(tui.wait_for("ask " + leader + " to step down as leader of the zone state? (y/n)"));
  tui.keys({"y"});
  BOOST_TEST(tui.wait_for("done: " + leader + " stepped down"));
  auto next = wait_for_change([&] { return leader_in(tui.screen()); }, leader, 15s);
  BOOST_TEST(!next.empty(), tui.screen());

  // A node that hangs (SIGSTOP) does not freeze the keys: snapshots are taken on
  // a thread of their own.
  std::string victim = leader == "n3" || next == "n3" ? (leader == "n2" || next == "n2" ? "n1" : "n2") : "n3";
  zone.nodes[victim]->signal(SIGSTOP);
  std::this_thread::sleep_for(1500ms);  // a refresh is now waiting on the stopped node
  tui.keys({"?"});
  BOOST_TEST(tui.wait_for("Keys", 1s));
  tui.keys({"x"});
  BOOST_TEST(tui.wait_for("[zone]", 1s));
  zone.nodes[victim]->signal(SIGCONT);

  // A node killed with SIGKILL is marked DOWN.
  zone.nodes[victim]->signal(SIGKILL);
  BOOST_TEST(tui.wait_for(victim + "       127.0.0.1:" + std::to_string(zone.ports[victim]) + " DOWN"));

  quit_cleanly(tui, exit_file);
}

// Drain from the TUI: the scheduler moves the service off the drained node; undrain
// lets services back (nothing moves back by itself). --once --json for scripts.
BOOST_AUTO_TEST_CASE(draining_a_node_in_the_tui_moves_its_service_and_once_json_prints_the_zone) {
  zone_of_three zone;
  auto added = zone.cli({"service", "add", "sleeper", "--wait-ms", "15000", "--", "/bin/sleep", "3600"});
  BOOST_TEST_REQUIRE(added.code == 0, added.err);
  std::string first;
  node_process::wait_for([&] { return !(first = running_on(zone, "sleeper")).empty(); }, 15s);
  BOOST_TEST_REQUIRE(!first.empty());

  auto exit_file = (zone.dir.path / "inspect-exit").string();
  tmux_window tui(zone, inspect_command(zone, "--node " + first, exit_file));
  BOOST_TEST_REQUIRE(tui.wait_for("node " + first + " (127.0.0.1:"));
  tui.keys({"Tab", "Tab"});
  BOOST_TEST(tui.wait_for("sleeper/0          yes    running"));
  tui.keys({"d"});
  BOOST_TEST_REQUIRE(tui.wait_for("drain " + first + ": move every service off it? (y/n)"));
  tui.keys({"y"});
  BOOST_TEST(tui.wait_for("done: " + first + " drained"));
  auto second = wait_for_change([&] { return running_on(zone, "sleeper"); }, first, 20s);
  BOOST_TEST(!second.empty());
  BOOST_TEST(tui.wait_for("nothing placed here"));  // the drained node's services tab
  tui.keys({"Escape"});
  BOOST_TEST(tui.wait_for(first + "       127.0.0.1:" + std::to_string(zone.ports[first]) + " drained"));

  auto once = node_process(zone.dir.path, {"--zone", zone.zone_file, "--once", "--json"},
                           {"HOME=" + (zone.dir.path / "home").string()}, BUCKY_INSPECT_BINARY);
  BOOST_TEST_REQUIRE((once.wait_exit(30s) == std::optional<int>(0)), once.err());
  auto snapshot = json::parse(once.out());
  BOOST_TEST(snapshot["nodes"].size() == 3u);
  BOOST_TEST(!snapshot["leader"].get<std::string>().empty());
  BOOST_TEST(!snapshot["scheduler"].get<std::string>().empty());
  for (const auto& node : snapshot["nodes"]) {
    BOOST_TEST(node["up"].get<bool>());
    BOOST_TEST(node["drained"].get<bool>() == (node["node"] == first));
    BOOST_TEST(node["actors"].size() >= 7u);
    BOOST_TEST(!node["actors"][0]["messages_per_s"].is_null());  // two samples: rates known
    BOOST_TEST(node["chunk_store"].contains("chunks"), node.dump());  // the file system's df, per node
  }
  BOOST_TEST_REQUIRE(snapshot["files"].is_object(), snapshot.dump());
  BOOST_TEST(snapshot["files"]["files"].is_number(), snapshot["files"].dump());

  tui.keys({"d"});
  tui.keys({"y"});
  BOOST_TEST(tui.wait_for("done: " + first + " undrained"));
  BOOST_TEST(tui.wait_for(first + "       127.0.0.1:" + std::to_string(zone.ports[first]) + " up"));
  BOOST_TEST(running_on(zone, "sleeper") == second);  // stable: nothing moves back
  quit_cleanly(tui, exit_file, "C-c");
}
