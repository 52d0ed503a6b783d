// Three bucky-node processes on 127.0.0.1 and an admin client in this process:
// sessions between real processes, request/response through them both ways, an
// unknown key refused, and a node killed with SIGKILL that comes back.
#define BOOST_TEST_MODULE integration_transport_processes
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "net/key_file.hpp"

#include "actors/runtime/logging.hpp"
#include "tests/support/process_zone.hpp"
#include "tests/support/remote_calls.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
using namespace bucky::testing;

namespace {

// Retries (bounded) until the echo succeeds: a redial after a restart takes a backoff.
echo_outcome echo_eventually(test_admin& admin, const std::string& node, const std::string& forward_to) {
  echo_outcome last;
  for (int attempt = 0; attempt < 100; ++attempt) {
    last = admin.echo(node, forward_to);
    if (std::holds_alternative<echo_reply>(last)) return last;
    std::this_thread::sleep_for(100ms);
  }
  return last;
}

}  // namespace

BOOST_AUTO_TEST_CASE(three_node_processes_answer_each_other_and_a_killed_node_comes_back) {
  process_zone zone;
  for (auto& id : zone.ids) zone.start(id);
  test_admin admin(admin_key(200), zone.directory, "operator");
  BOOST_TEST_REQUIRE(admin.wait_connected({"n1", "n2", "n3"}));

  for (auto& id : zone.ids) {
    auto table = admin.table(id);
    BOOST_TEST_REQUIRE(table.has_value(), "no actor table from " << id);
    BOOST_TEST(table->node_id == id);
  }
  // Node to node, both ways, through the real processes' sessions.
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"n1", "n2"}, {"n2", "n1"}, {"n1", "n3"}, {"n3", "n1"}, {"n2", "n3"}, {"n3", "n2"}}) {
    auto reply = echo_eventually(admin, from, to);
    BOOST_TEST_REQUIRE(std::holds_alternative<echo_reply>(reply), from << "->" << to << ": " << error_of(reply));
    BOOST_TEST(std::get<echo_reply>(reply).node_id == to);
  }

  zone.nodes["n2"]->signal(SIGKILL);
  BOOST_TEST((zone.nodes["n2"]->wait_exit() == 128 + SIGKILL));
  zone.nodes["n2"].reset();
  auto gone = admin.echo("n1", "n2");
  BOOST_TEST(!error_of(gone).empty());

  zone.start("n2");  // same data dir: same key, same name
  auto back = echo_eventually(admin, "n1", "n2");
  BOOST_TEST(std::holds_alternative<echo_reply>(back), error_of(back));
  BOOST_TEST(std::holds_alternative<echo_reply>(echo_eventually(admin, "n2", "n3")));
  BOOST_TEST(zone.nodes["n1"]->err().find("session") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bucky_cli_status_and_ping_see_the_zone_as_it_is) {
  process_zone zone;
  for (auto& id : zone.ids) zone.start(id);
  auto key_path = (zone.work.path / "admin.key").string();
  BOOST_TEST_REQUIRE(net::save_key_file(key_path, admin_key(200)).is_ok());
  auto peers_path = (fs::path(zone.data_dir("n1")) / "peers").string();
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--key", key_path, "--peers", peers_path});
    auto run = std::make_unique<node_process>(zone.work.path, args, std::vector<std::string>{}, BUCKY_CLI_BINARY);
    BOOST_TEST_REQUIRE(run->wait_exit().has_value());
    return run;
  };
  auto status = cli({"--json", "status"});
  BOOST_TEST((status->wait_exit() == 0), status->err());
  auto report = nlohmann::json::parse(status->out());
  BOOST_TEST_REQUIRE(report["nodes"].size() == 3u);
  for (auto& row : report["nodes"]) {
    BOOST_TEST(row["up"].get<bool>());
    // log_tail, transport, paxos, procs, nodeloop, scheduler, chunks, zonefs, fsrepair
    BOOST_TEST(row["actors_running"].get<int>() == 9);
  }
  // The nodes' own sessions may still be coming up (the CLI waited only for its own).
  auto ping = cli({"ping", "n3", "--via", "n1"});
  for (int attempt = 0; attempt < 50 && ping->wait_exit() != 0; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ping = cli({"ping", "n3", "--via", "n1"});
  }
  BOOST_TEST((ping->wait_exit() == 0), ping->err());
  BOOST_TEST(ping->out().find("n3 -> n1: answered by n1") != std::string::npos, ping->out());

  zone.nodes["n3"]->signal(SIGKILL);
  BOOST_TEST((zone.nodes["n3"]->wait_exit() == 128 + SIGKILL));
  zone.nodes["n3"].reset();
  auto partial = cli({"--timeout-ms", "500", "status"});
  BOOST_TEST((partial->wait_exit() == 1));
  BOOST_TEST(partial->out().find("3 nodes, 2 up") != std::string::npos, partial->out());
  auto usage = cli({"ping"});
  BOOST_TEST((usage->wait_exit() == 2));
}

BOOST_AUTO_TEST_CASE(an_admin_key_not_in_the_peers_file_is_refused_and_logged) {
  process_zone zone;
  zone.start("n1");
  test_admin stranger(admin_key(201), zone.directory, "operator");
  BOOST_TEST(zone.nodes["n1"]->wait_for_log("rejected connection from 127.0.0.1"));
  BOOST_TEST(!error_of(stranger.echo("n1")).empty());
  zone.nodes["n2"].reset();
  zone.nodes["n3"].reset();
}
