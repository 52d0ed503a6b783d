// Services on a 3-node zone of real processes (made by the CLI): placed by the
// scheduler, run by the node loops, restarted when their process is killed, moved
// when their node dies, not moved back when it returns; the scheduler's node killed
// while specs arrive leaves every placement whole, and one scheduler leads.
#define BOOST_TEST_MODULE integration_services
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/support/cli_zone.hpp"

using namespace bucky::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

// A service that proves it runs: it rewrites `beat` in its work dir every 100 ms.
const std::vector<std::string> heartbeat = {"--", "/bin/sh", "-c", "while :; do date +%s%N > beat; sleep 0.1; done"};

struct zone_of_three : zone_dir {
  zone_of_three() {
    auto created = cli({"zone", "create", "home.test", "--state-nodes", "n1,n2,n3", "--out", zone_file});
    BOOST_TEST_REQUIRE(created.code == 0, created.err);
    for (auto name : {"n1", "n2", "n3"}) bring_up(name);
  }

  json instances(const std::string& service) {
    auto status = cli({"--json", "service", "status", service});
    BOOST_TEST_REQUIRE(status.code == 0, status.err);
    return json::parse(status.out)["instances"];
  }

  // The instance row once `done` holds for it (or the last row seen).
  json wait_instance(const std::string& service, std::function<bool(const json&)> done,
                     std::chrono::seconds limit = 20s) {
    json row;
    node_process::wait_for(
        [&] {
          row = instances(service).at(0);
          return done(row);
        },
        limit);
    return row;
  }

  // The heartbeat file of `service` on `node` was written within the last second.
  bool beating(const std::string& node, const std::string& service) {
    struct stat info {};
    auto path = data(node) + "/services/" + service + "/beat";
    return node_process::wait_for(
        [&] {
          if (::stat(path.c_str(), &info) != 0) return false;
          return std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(info.st_mtime) < 2s;
        },
        10s);
  }

  void restart(const std::string& node) {
    nodes[node] = std::make_unique<node_process>(dir.path, std::vector<std::string>{"--data-dir", data(node)});
    BOOST_TEST_REQUIRE(nodes[node]->wait_for_log("boot: ready"), nodes[node]->err());
  }
};

bool running(const json& row) { return row["state"] == "running" && row["pid"].get<std::int64_t>() > 0; }

}  // namespace

BOOST_AUTO_TEST_CASE(a_service_is_placed_restarted_moved_off_a_dead_node_and_not_moved_back) {
  zone_of_three zone;
  std::vector<std::string> add = {"service", "add", "hb", "--wait-ms", "20000"};
  add.insert(add.end(), heartbeat.begin(), heartbeat.end());
  auto added = zone.cli(add);
  BOOST_TEST_REQUIRE(added.code == 0, added.err + added.out);
  BOOST_TEST_MESSAGE("service add -> running: " << added.out);
  auto first = zone.instances("hb").at(0);
  BOOST_TEST_REQUIRE(running(first), first.dump());
  auto node = first["node"].get<std::string>();
  BOOST_TEST(zone.beating(node, "hb"));

  // kill -9 of the service process: the node loop starts it again on the same node.
  ::kill(static_cast<pid_t>(first["pid"].get<std::int64_t>()), SIGKILL);
  auto again = zone.wait_instance("hb", [&](const json& row) { return running(row) && row["pid"] != first["pid"]; });
  BOOST_TEST(running(again), again.dump());
  BOOST_TEST(again["node"] == node);
  BOOST_TEST(again["restarts"] == 1);
  BOOST_TEST(again["last_exit"] == "signal 9 (Killed)");

  // kill -9 of the whole node: its service dies with it; after its status lease
  // (3 s) expires the scheduler moves the instance and another node runs it.
  auto killed_at = std::chrono::steady_clock::now();
  zone.nodes[node]->signal(SIGKILL);
  zone.nodes[node]->wait_exit();
  auto moved = zone.wait_instance("hb", [&](const json& row) { return running(row) && row["node"] != node; });
  auto moved_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed_at);
  BOOST_TEST_REQUIRE(running(moved), moved.dump());
  BOOST_TEST_MESSAGE("node killed -> service running elsewhere after " << moved_ms.count() << " ms");
  BOOST_TEST(moved_ms < 15s);
  auto new_node = moved["node"].get<std::string>();
  BOOST_TEST(zone.beating(new_node, "hb"));

  // The node comes back: it learns the instance moved and runs nothing; no flapping.
  zone.restart(node);
  BOOST_TEST(zone.nodes[node]->wait_for_log("nothing to run"), zone.nodes[node]->err());
  std::this_thread::sleep_for(3s);
  auto settled = zone.instances("hb").at(0);
  BOOST_TEST(settled["node"] == new_node);
  BOOST_TEST(settled["pid"] == moved["pid"]);
  BOOST_TEST(zone.nodes[node]->err().find("started hb/0") == std::string::npos, zone.nodes[node]->err());

  // Removing the service stops it.
  BOOST_TEST_REQUIRE(zone.cli({"service", "remove", "hb"}).code == 0);
  auto pid = static_cast<pid_t>(moved["pid"].get<std::int64_t>());
  BOOST_TEST(node_process::wait_for([&] { return ::kill(pid, 0) != 0; }, 10s));
}

BOOST_AUTO_TEST_CASE(killing_the_schedulers_node_while_specs_arrive_leaves_every_placement_whole) {
  zone_of_three zone;
  std::string leader;
  BOOST_TEST_REQUIRE(node_process::wait_for([&] {
    auto got = zone.cli({"kv", "get", "/scheduler/leader"});
    if (got.code == 0) leader = got.out.substr(got.out.find('\n') + 1, 2);
    return got.code == 0;
  }));
  // Two instances each; the scheduler's node dies after the third spec.
  for (int i = 0; i < 6; ++i) {
    std::vector<std::string> add = {"service", "add", "s" + std::to_string(i), "--instances", "2"};
    add.insert(add.end(), heartbeat.begin(), heartbeat.end());
    auto added = zone.cli(add);
    BOOST_TEST_REQUIRE(added.code == 0, added.err + added.out);
    if (i == 2) zone.nodes[leader]->signal(SIGKILL);
  }
  zone.nodes[leader]->wait_exit();
  // Two nodes are left: every service runs both instances, once each, on both.
  BOOST_TEST(node_process::wait_for(
      [&] {
        auto rows = json::parse(zone.cli({"--json", "service", "status"}).out)["instances"];
        std::set<std::string> placed;
        for (const auto& row : rows) {
          if (!running(row) || row["node"] == leader) return false;
          placed.insert(row["service"].get<std::string>() + "@" + row["node"].get<std::string>());
        }
        return rows.size() == 12 && placed.size() == 12;  // no service twice on one node
      },
      30s));
  // One scheduler leads now, and the other survivor waits for it.
  auto now_leader = zone.cli({"kv", "get", "/scheduler/leader"}).out;
  now_leader = now_leader.substr(now_leader.find('\n') + 1, 2);
  BOOST_TEST(now_leader != leader);
  for (const auto& [name, node] : zone.nodes) {
    if (name == leader || name == now_leader) continue;
    BOOST_TEST(node->wait_for_log(now_leader + " leads; this one waits"), node->err());
  }
  // Each node config names only instances of existing specs, each instance once.
  std::map<std::string, int> seen;
  for (auto name : {"n1", "n2", "n3"}) {
    auto got = zone.cli({"kv", "get", std::string("/nodes/") + name + "/config"});
    if (got.code != 0) continue;
    auto config = json::parse(got.out.substr(got.out.find('\n') + 1));
    for (const auto& instance : config["instances"]) {
      ++seen[instance["service"].get<std::string>() + "/" + std::to_string(instance["instance"].get<int>())];
    }
  }
  BOOST_TEST(seen.size() == 12u);
  for (const auto& [id, count] : seen) BOOST_TEST(count == 1, id);
}

BOOST_AUTO_TEST_CASE(a_node_keeps_its_services_running_while_the_zone_state_is_unreachable) {
  zone_of_three zone;
  std::vector<std::string> add = {"service", "add", "hb", "--node", "n3", "--wait-ms", "20000"};
  add.insert(add.end(), heartbeat.begin(), heartbeat.end());
  auto added = zone.cli(add);
  BOOST_TEST_REQUIRE(added.code == 0, added.err + added.out);
  auto first = zone.instances("hb").at(0);
  BOOST_TEST_REQUIRE(first["node"] == "n3");
  // n1 and n2 die: n3 alone has no quorum; the zone state answers nothing.
  for (auto name : {"n1", "n2"}) {
    zone.nodes[name]->signal(SIGKILL);
    zone.nodes[name]->wait_exit();
  }
  std::this_thread::sleep_for(4s);  // past n3's status lease
  BOOST_TEST(zone.beating("n3", "hb"));
  // Its process is killed: the node loop restarts it without asking anyone.
  ::kill(static_cast<pid_t>(first["pid"].get<std::int64_t>()), SIGKILL);
  auto starts = [&] {
    auto log = zone.nodes["n3"]->err();
    std::size_t count = 0;
    for (auto at = log.find("procs: started hb/0"); at != std::string::npos; at = log.find("procs: started hb/0", at + 1)) ++count;
    return count;
  };
  BOOST_TEST(node_process::wait_for([&] { return starts() == 2; }, 10s), zone.nodes["n3"]->err());
  BOOST_TEST(zone.beating("n3", "hb"));
  // n3 itself restarts while the others are still dead: after 5 s without an
  // answer it runs the node config it kept.
  zone.nodes["n3"]->signal(SIGKILL);
  zone.nodes["n3"]->wait_exit();
  zone.nodes["n3"] = std::make_unique<node_process>(zone.dir.path, std::vector<std::string>{"--data-dir", zone.data("n3")});
  BOOST_TEST(zone.nodes["n3"]->wait_for_log("did not answer within 5000 ms: running node config revision", 20s),
             zone.nodes["n3"]->err());
  BOOST_TEST(zone.nodes["n3"]->wait_for_log("procs: started hb/0"), zone.nodes["n3"]->err());
  BOOST_TEST(zone.beating("n3", "hb"));
  // The others return: the zone state answers again and reports it running.
  zone.restart("n1");
  zone.restart("n2");
  auto back = zone.wait_instance("hb", [](const json& row) { return running(row); }, 30s);
  BOOST_TEST(running(back), back.dump());
  BOOST_TEST(back["node"] == "n3");
}

// Issue 18, tried as an attacker with one node's key and as a restricted user:
//  - n1's key wrote /nodes/n2/config with a command and n2 ran it as root: now the
//    config is a pointer, n2 refuses it (no such spec) and runs nothing;
//  - a node key may not write a spec; the owner's "delete everything" deletes nothing;
//  - a writer may not revoke a node's status lease (leases belong to their grantor).
BOOST_AUTO_TEST_CASE(a_node_key_cannot_make_another_node_run_anything) {
  zone_of_three zone;
  // The attacker holds one node's key and asks the leader (a follower would forward
  // through the transport, where a second session under that key confuses routing).
  std::string leader;
  node_process::wait_for([&] {
    auto status = json::parse(zone.cli({"--json", "status"}).out, nullptr, false);
    if (!status.is_object()) return false;
    for (const auto& row : status["nodes"]) {
      if (row.contains("zone_state") && row["zone_state"].contains("leader")) {
        leader = row["zone_state"]["leader"].get<std::string>();
      }
    }
    return !leader.empty();
  }, 20s);
  BOOST_TEST_REQUIRE(!leader.empty(), zone.cli({"--json", "status"}).out);
  std::vector<std::string> others;
  for (auto name : {"n1", "n2", "n3"}) {
    if (name != leader) others.push_back(name);
  }
  const auto attacker = others.at(0), victim = others.at(1);
  auto marker = (zone.dir.path / "pwned").string();
  json evil = {{"node_id", victim},
               {"instances", {{{"service", "evil"}, {"instance", 0}, {"spec_revision", 1},
                               {"spec", {{"name", "evil"}, {"command", {"/bin/sh", "-c", "id > " + marker}}}}}}}};
  auto n1_key = zone.data(attacker) + "/node.key";
  auto placed = zone.cli({"--key", n1_key, "kv", "--node", leader, "put", "/nodes/" + victim + "/config", evil.dump()});
  BOOST_TEST_REQUIRE(placed.code == 0, placed.err);  // nodes place services: the write itself is theirs
  BOOST_TEST(zone.nodes[victim]->wait_for_log("not running evil/0"), zone.nodes[victim]->err());
  std::this_thread::sleep_for(1s);
  BOOST_TEST(!std::filesystem::exists(marker));
  BOOST_TEST(zone.nodes[victim]->err().find("no service spec at /services/evil/spec") != std::string::npos);

  json spec = {{"name", "evil"}, {"command", {"/bin/sh", "-c", "id > " + marker}}};
  auto wrote_spec = zone.cli({"--key", n1_key, "kv", "--node", leader, "put", "/services/evil/spec", spec.dump()});
  BOOST_TEST(wrote_spec.code != 0);
  BOOST_TEST(wrote_spec.err.find("only the owner and admins") != std::string::npos, wrote_spec.err);

  // Keys and values are bytes: --json shows those that are not UTF-8 as base64.
  BOOST_TEST_REQUIRE(zone.cli({"kv", "put", "/home/bytes", "\xff\xfe"}).code == 0);
  auto bytes = zone.cli({"--json", "kv", "get", "/home/bytes"});
  BOOST_TEST_REQUIRE(bytes.code == 0, bytes.err);
  BOOST_TEST(json::parse(bytes.out)["kvs"].at(0)["value_base64"] == "//4=", bytes.out);

  // Even the owner's key writes a spec only signed (bucky service add signs): a
  // replica could bypass this gate, so the node that runs a spec checks it again.
  auto raw_spec = zone.cli({"kv", "put", "/services/raw/spec", json{{"name", "raw"}, {"command", {"/bin/true"}}}.dump()});
  BOOST_TEST(raw_spec.code != 0);
  BOOST_TEST(raw_spec.err.find("not signed") != std::string::npos, raw_spec.err);

  auto swept = zone.cli({"kv", "del", "/", "--prefix"});
  BOOST_TEST(swept.code != 0);
  BOOST_TEST(swept.err.find("control keys") != std::string::npos, swept.err);
  BOOST_TEST(zone.get("/nodes/n1/status").find("(exit") == std::string::npos);

  auto alice_key = (zone.dir.path / "alice.key").string();
  auto made = zone.cli({"--key", alice_key, "key", "create"});
  BOOST_TEST_REQUIRE(made.code == 0, made.err);
  auto public_key = made.out.substr(0, made.out.find('\n'));
  auto added = zone.cli({"user", "add", "alice", "--public-key", public_key});
  BOOST_TEST_REQUIRE(added.code == 0, added.err + added.out);
  auto status = zone.cli({"--json", "kv", "get", "/nodes/n1/status"});
  BOOST_TEST_REQUIRE(status.code == 0, status.err);
  auto lease = json::parse(status.out)["kvs"].at(0)["lease"].get<std::int64_t>();
  BOOST_TEST(lease >= (std::int64_t{1} << 62));  // drawn at random by the replica, not a sequence number
  cli_run revoked;
  node_process::wait_for([&] {  // until the nodes admitted alice (they read /users/ every 2 s)
    revoked = zone.cli({"--key", alice_key, "kv", "lease", "revoke", std::to_string(lease)});
    return revoked.err.find("granted to another caller") != std::string::npos;
  }, 10s);
  BOOST_TEST(revoked.code != 0);
  BOOST_TEST(revoked.err.find("granted to another caller") != std::string::npos, revoked.err);
  BOOST_TEST(zone.get("/nodes/n1/status").find("(exit") == std::string::npos);

  // An admin signs the specs they write; a writer cannot; removing the admin takes
  // their signature's authority with them.
  auto writer_add = zone.cli({"--key", alice_key, "service", "add", "notes", "--", "/bin/sleep", "100"});
  BOOST_TEST(writer_add.code != 0);
  BOOST_TEST(writer_add.err.find("only the owner and admins sign") != std::string::npos, writer_add.err);
  auto carol_key = (zone.dir.path / "carol.key").string();
  auto carol = zone.cli({"--key", carol_key, "key", "create"});
  BOOST_TEST_REQUIRE(carol.code == 0, carol.err);
  auto carol_public = carol.out.substr(0, carol.out.find('\n'));
  BOOST_TEST_REQUIRE(zone.cli({"user", "add", "carol", "--public-key", carol_public, "--role", "admin"}).code == 0);
  cli_run by_carol;
  node_process::wait_for([&] {  // until the nodes admitted carol
    by_carol = zone.cli({"--key", carol_key, "service", "add", "hb", "--wait-ms", "20000", heartbeat[0], heartbeat[1],
                         heartbeat[2], heartbeat[3]});
    return by_carol.code == 0 || by_carol.err.find("exists") != std::string::npos;
  }, 20s);
  BOOST_TEST_REQUIRE(by_carol.code == 0, by_carol.err + by_carol.out);
  BOOST_TEST(zone.instances("hb").at(0)["state"] == "running");
  BOOST_TEST_REQUIRE(zone.cli({"user", "remove", "carol"}).code == 0);
  auto orphan = zone.wait_instance("hb", [](const json& row) { return row["state"] == "failed"; });
  BOOST_TEST(orphan["state"] == "failed", orphan.dump());
  BOOST_TEST(orphan.dump().find("signed by carol") != std::string::npos, orphan.dump());
}
