// A zone made the way a person makes one: bucky zone create, bucky-node started
// with empty data dirs (waiting), bucky node activate for each, then the zone used
// through bucky --zone. Also every refusal on the way: expired, misdirected and
// reused activations, bad zone configs at boot, keys the zone does not list, a
// replaced machine's old key, a removed node.
#define BOOST_TEST_MODULE integration_zone_bootstrap
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "actors/activation/actor.hpp"
#include "actors/zone_state/acl.hpp"
#include "actors/transport/admin_client.hpp"
#include "net/activation_sign.hpp"
#include "net/key_file.hpp"
#include "net/zone_config_file.hpp"
#include "net/zone_config_sign.hpp"
#include "tests/support/cli_zone.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
using namespace bucky::testing;
using namespace std::chrono_literals;

namespace {

std::uint64_t sequence = 0;

// The version of the zone config mirrored at /system/zone_config (0: none yet).
std::uint64_t mirrored_version(zone_dir& zone) {
  auto got = zone.cli({"kv", "get", "/system/zone_config"});
  if (got.code != 0) return 0;
  auto json = nlohmann::json::parse(got.out.substr(got.out.find('\n') + 1), nullptr, false);
  return json.is_object() ? json["version"].get<std::uint64_t>() : 0;
}

nlohmann::json node_list(zone_dir& zone) {
  auto listed = zone.cli({"--json", "node", "list"});
  BOOST_TEST_REQUIRE(listed.code == 0, listed.err);
  return nlohmann::json::parse(listed.out);
}

}  // namespace

BOOST_AUTO_TEST_CASE(three_waiting_nodes_activated_by_the_owner_form_a_zone_that_survives_a_machine_replacement) {
  zone_dir zone;
  auto created = zone.cli({"zone", "create", "home.test", "--state-nodes", "n1,n2,n3", "--out", zone.zone_file});
  BOOST_TEST_REQUIRE(created.code == 0, created.err);
  for (auto name : {"n1", "n2", "n3"}) zone.bring_up(name);
  // A state node named for the first time never voted: it votes at once, no rebuild.
  BOOST_TEST(zone.nodes["n3"]->err().find("acceptor state was lost") == std::string::npos, zone.nodes["n3"]->err());
  auto listed = node_list(zone);
  BOOST_TEST(listed["version"] == 4);
  for (const auto& row : listed["nodes"]) BOOST_TEST(row["up"] == true, row.dump());

  BOOST_TEST_REQUIRE(zone.cli({"kv", "put", "photos/1", "beach"}).code == 0);
  BOOST_TEST(zone.get("photos/1") == "photos/1\nbeach\n");
  // The state nodes mirror the newest zone config into the zone state.
  BOOST_TEST(node_process::wait_for([&] { return mirrored_version(zone) == 4; }, 20s), mirrored_version(zone));

  // A person besides the owner: admitted once the owner adds their key as a user,
  // shut out again when removed.
  auto alice_key_file = (zone.dir.path / "alice.key").string();
  auto alice_key = zone.cli({"--key", alice_key_file, "key", "create"}).out;
  alice_key = alice_key.substr(0, alice_key.find('\n'));
  auto as_alice = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--key", alice_key_file});
    return zone.cli(args);
  };
  auto stranger_call = as_alice({"kv", "put", "by-alice", "1"});
  BOOST_TEST(stranger_call.code == 1);
  BOOST_TEST(stranger_call.err.find("none admits key " + alice_key) != std::string::npos, stranger_call.err);
  auto taken = zone.cli({"user", "add", "n2", "--public-key", alice_key});
  BOOST_TEST(taken.code == 2);
  BOOST_TEST(taken.err.find("the name is taken by a node") != std::string::npos, taken.err);
  auto added = zone.cli({"user", "add", "alice", "--public-key", alice_key});
  BOOST_TEST_REQUIRE(added.code == 0, added.err);
  // A writer by default: her own folder, nothing else (issue 18: least privilege).
  BOOST_TEST(node_process::wait_for([&] { return as_alice({"kv", "put", "/home/alice/by-alice", "1"}).code == 0; }, 20s));
  auto elsewhere = as_alice({"kv", "put", "by-alice", "1"});
  BOOST_TEST(elsewhere.code != 0);
  BOOST_TEST(elsewhere.err.find("writer alice may not write") != std::string::npos, elsewhere.err);
  auto users = nlohmann::json::parse(zone.cli({"--json", "user", "list"}).out)["users"];
  BOOST_TEST(users.size() == 1);
  BOOST_TEST(users[0]["public_key"] == alice_key);
  BOOST_TEST(zone.nodes["n1"]->wait_for_log("users of home.test from /users/: alice (writer)", 20s), zone.nodes["n1"]->err());
  BOOST_TEST_REQUIRE(zone.cli({"user", "remove", "alice"}).code == 0);
  BOOST_TEST(node_process::wait_for([&] { return as_alice({"kv", "get", "/home/alice/by-alice"}).code == 1; }, 20s));
  BOOST_TEST(zone.nodes["n1"]->wait_for_log("users of home.test from /users/: none", 20s), zone.nodes["n1"]->err());

  // n3's disk dies. A new machine (new key, empty data dir) takes the name n3.
  zone.nodes["n3"]->signal(SIGKILL);
  zone.nodes["n3"]->wait_exit();
  auto old_key = zone.key_of(zone.data("n3"));
  auto fresh_dir = zone.data("n3") + "-new";
  zone.start_waiting("n3", fresh_dir);
  auto replaced = zone.activate("n3", fresh_dir);
  BOOST_TEST_REQUIRE(replaced.code == 0, replaced.err);
  BOOST_TEST_REQUIRE(zone.nodes["n3"]->wait_for_log("boot: zone config: version 5"), zone.nodes["n3"]->err());
  // Its acceptor is rebuilt from n1 and n2 before it votes (the old disk's promises bind it).
  BOOST_TEST(zone.nodes["n3"]->wait_for_log("rejoined: acceptor state rebuilt from the others"),
             zone.nodes["n3"]->err());
  BOOST_TEST(!fs::exists(fs::path(fresh_dir) / "rejoin"));
  auto shown = zone.cli({"--json", "zone", "show", zone.zone_file});
  BOOST_TEST(nlohmann::json::parse(shown.out)["revoked_keys"] == nlohmann::json::array({old_key}));
  // The new n3 learns the zone state from the others and serves it.
  BOOST_TEST_REQUIRE(zone.cli({"kv", "put", "photos/2", "forest"}).code == 0);
  BOOST_TEST_REQUIRE(node_process::wait_for([&] { return zone.get("photos/1", "n3") == "photos/1\nbeach\n"; }, 20s),
                     zone.get("photos/1", "n3"));

  // The dead machine's key comes back (its disk recovered): the zone refuses it, as
  // it refuses any key it does not list. It dials n1 as a development node would.
  auto intruder = [&](const std::string& name, const std::string& key_file) {
    auto dir = zone.dir.path / ("intruder-" + name);
    fs::create_directories(dir);
    if (!key_file.empty()) {
      fs::copy_file(key_file, dir / "node.key");
      fs::permissions(dir / "node.key", fs::perms::owner_read | fs::perms::owner_write);
    }
    auto n1_key = zone.key_of(zone.data("n1"));
    std::ofstream(dir / "peers") << "node n1 " << n1_key << " " << zone.address("n1") << "\n";
    return std::make_unique<node_process>(zone.dir.path,
                                          std::vector<std::string>{"--data-dir", dir.string(), "--node-id", name,
                                                                   "--zone-id", "home.test", "--listen",
                                                                   "127.0.0.1:" + std::to_string(free_port())});
  };
  auto ghost = intruder("a0", zone.data("n3") + "/node.key");
  BOOST_TEST(zone.nodes["n1"]->wait_for_log("peer key " + old_key + " is not allowed in zone home.test"),
             zone.nodes["n1"]->err());
  auto stranger_key = zone.key_of((zone.dir.path / "intruder-a1").string());
  auto stranger = intruder("a1", "");
  BOOST_TEST(zone.nodes["n1"]->wait_for_log("peer key " + stranger_key + " is not allowed"), zone.nodes["n1"]->err());
  ghost.reset();
  stranger.reset();

  // n2 is away while n4 joins: it learns the new version from its peers.
  zone.nodes["n2"]->signal(SIGTERM);
  BOOST_TEST((zone.nodes["n2"]->wait_exit() == std::optional<int>(0)));
  zone.bring_up("n4");
  // n4 holds no replica: its state client reads the zone state through a state node.
  BOOST_TEST(zone.nodes["n4"]->wait_for_log("boot: ready: the zone state answers (through node n"),
             zone.nodes["n4"]->err());
  zone.nodes["n2"] = std::make_unique<node_process>(
      zone.dir.path, std::vector<std::string>{"--data-dir", zone.data("n2")});
  BOOST_TEST(zone.nodes["n2"]->wait_for_log("now version 6 (was 5), from node"), zone.nodes["n2"]->err());
  // n4 holds no replica; removing it revokes its key and it stops.
  auto refused = zone.cli({"node", "remove", "n1"});
  BOOST_TEST(refused.code == 1);
  BOOST_TEST(refused.err.find("holds a zone-state replica") != std::string::npos, refused.err);
  auto removed = zone.cli({"node", "remove", "n4"});
  BOOST_TEST_REQUIRE(removed.code == 0, removed.err);
  BOOST_TEST((zone.nodes["n4"]->wait_exit(20s) == std::optional<int>(1)));
  BOOST_TEST(zone.nodes["n4"]->err().find("this node leaves the zone") != std::string::npos);
  BOOST_TEST(zone.get("photos/2") == "photos/2\nforest\n");
  BOOST_TEST(node_process::wait_for([&] { return mirrored_version(zone) == 7; }, 20s), mirrored_version(zone));
}

BOOST_AUTO_TEST_CASE(expired_misdirected_and_reused_activations_are_refused) {
  zone_dir zone;
  BOOST_TEST_REQUIRE(zone.cli({"zone", "create", "home.test", "--state-nodes", "a", "--out", zone.zone_file}).code == 0);
  auto owner = *net::load_key_file((zone.dir.path / "home" / ".bucky" / "home.test.owner.key").string());
  auto& a = zone.start_waiting("a", zone.data("a"));
  zone.start_waiting("b", zone.data("b"));
  auto a_key = zone.key_of(zone.data("a"));
  // The owner's zone with node a, signed here so the test holds the activation bytes.
  auto current = *net::load_zone_config_file(zone.zone_file, std::nullopt);
  auto config = current.config;
  config.version = 2;
  config.nodes.push_back({"a", a_key, zone.address("a")});
  activation body;
  body.zone_id = "home.test";
  body.node_id = "a";
  body.node_key = a_key;
  body.zone = *net::sign_zone_config(config, owner);
  auto now = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  auto send = [&](const std::string& node, const activation& what) {
    auto request = *net::sign_activation(what, owner);
    auto text = "node " + node + " " + zone.key_of(zone.data(node)) + " " + zone.address(node) + "\n";
    admin_client client(owner, *net::peer_directory::parse(text, "test"), "owner", activation_zone_id);
    if (!client.wait_connected({node}, 5s)) return std::string("no session");
    auto reply = client.call(node, guest_actor, request, 5s);
    return reply ? std::string("activated") : reply.error().message();
  };
  body.issued_unix_ms = now - 700'000;
  body.expires_unix_ms = now - 100'000;
  BOOST_TEST(send("a", body).find("expired") != std::string::npos);
  body.issued_unix_ms = now;
  body.expires_unix_ms = now + 60'000;
  BOOST_TEST(send("b", body).find("issued for node key") != std::string::npos);  // a's activation at b
  BOOST_TEST(send("a", body) == "activated");
  BOOST_TEST_REQUIRE(a.wait_for_log("boot: zone config: version 2"), a.err());
  // Used once: a is a zone member now and no longer lets strangers in.
  BOOST_TEST(send("a", body) == "no session");
  BOOST_TEST(zone.nodes["b"]->err().find("activation refused") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(boot_refuses_tampered_foreign_and_unlisting_configs_and_ignores_older_ones) {
  zone_dir zone;
  BOOST_TEST_REQUIRE(zone.cli({"zone", "create", "home.test", "--state-nodes", "a", "--out", zone.zone_file}).code == 0);
  zone.bring_up("a");
  auto version2 = zone.dir.path / "version2";
  fs::copy_file(zone.zone_file, version2);
  zone.bring_up("b");  // version 3
  zone.nodes["a"]->signal(SIGTERM);
  BOOST_TEST_REQUIRE((zone.nodes["a"]->wait_exit() == std::optional<int>(0)));
  auto boot_a = [&](const std::string& config_file) {
    node_process run(zone.dir.path, {"--data-dir", zone.data("a"), "--zone-config", config_file, "--print-actors"});
    auto code = run.wait_exit(30s);
    return std::pair{code.value_or(-1), run.err()};
  };
  auto [older_code, older_log] = boot_a(version2.string());
  BOOST_TEST(older_code == 0, older_log);
  BOOST_TEST(older_log.find("version 3 from") != std::string::npos, older_log);
  BOOST_TEST(older_log.find("newer than --zone-config version 2") != std::string::npos, older_log);

  auto tampered = zone.dir.path / "tampered";
  fs::copy_file(zone.zone_file, tampered);
  {
    // Flip a bit (writing a fixed byte is no change when the key text has it there).
    std::fstream file(tampered, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(40);
    char byte = 0;
    file.get(byte);
    file.seekp(40);
    file.put(static_cast<char>(byte ^ 0x01));
  }
  auto [tampered_code, tampered_log] = boot_a(tampered.string());
  BOOST_TEST(tampered_code == 1);
  BOOST_TEST(tampered_log.find("boot: zone config:") != std::string::npos, tampered_log);
  BOOST_TEST(tampered_log.find("refused") != std::string::npos, tampered_log);

  // Another owner's zone of the same name.
  zone_dir other;
  BOOST_TEST_REQUIRE(other.cli({"zone", "create", "home.test", "--state-nodes", "a", "--out", other.zone_file}).code == 0);
  auto [foreign_code, foreign_log] = boot_a(other.zone_file);
  BOOST_TEST(foreign_code == 1);
  BOOST_TEST(foreign_log.find("this node trusts") != std::string::npos, foreign_log);

  // A newer version from the owner that drops b: b refuses to start with it.
  BOOST_TEST_REQUIRE(zone.cli({"node", "remove", "b"}).code == 0);
  zone.nodes["b"]->signal(SIGKILL);
  zone.nodes["b"]->wait_exit();
  node_process b(zone.dir.path, {"--data-dir", zone.data("b"), "--zone-config", zone.zone_file});
  BOOST_TEST((b.wait_exit(30s) == std::optional<int>(1)));
  BOOST_TEST(b.err().find("revokes this node's key") != std::string::npos, b.err());
}

BOOST_AUTO_TEST_CASE(a_node_answers_dns_for_its_zone_and_the_config_is_found_through_it) {
  zone_dir zone;
  BOOST_TEST_REQUIRE(zone.cli({"zone", "create", "home.test", "--state-nodes", "a", "--out", zone.zone_file}).code == 0);
  auto dns_port = std::to_string(free_port());
  zone.bring_up("a", {"--dns-listen", "127.0.0.1:" + dns_port});
  BOOST_TEST_REQUIRE(zone.nodes["a"]->wait_for_log("answering DNS for zone home.test"), zone.nodes["a"]->err());
  auto dig = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"@127.0.0.1", "-p", dns_port, "+time=2", "+tries=2"});
    node_process run(zone.dir.path, args, {}, "/usr/bin/dig");
    BOOST_TEST_REQUIRE((run.wait_exit(30s) == std::optional<int>(0)), run.err());
    return run.out();
  };
  // dig (BIND's resolver library) reads our answers.
  BOOST_TEST(dig({"a.home.test", "A", "+short"}) == "127.0.0.1\n");
  auto missing = dig({"garage.home.test", "A"});
  BOOST_TEST(missing.find("status: NXDOMAIN") != std::string::npos, missing);
  BOOST_TEST(missing.find("flags: qr aa") != std::string::npos, missing);
  auto outside = dig({"example.org", "A"});
  BOOST_TEST(outside.find("status: REFUSED") != std::string::npos, outside);
  auto txt = dig({"_bucky.home.test", "TXT", "+short"});
  BOOST_TEST(txt.find("\"bucky1 1/") != std::string::npos, txt);

  // The owner's zone config, found through DNS and verified, equals the file.
  auto fetched_file = (zone.dir.path / "fetched").string();
  auto owner = net::load_zone_config_file(zone.zone_file, std::nullopt)->config.owner_key;
  auto fetched = zone.cli({"zone", "fetch", "home.test", "--dns", "127.0.0.1:" + dns_port, "--owner", owner, "--out",
                           fetched_file});
  BOOST_TEST_REQUIRE(fetched.code == 0, fetched.err);
  BOOST_TEST(read_file(fetched_file) == read_file(zone.zone_file));
  auto stranger = net::key_pair::generate().public_part().to_text();
  auto pinned_elsewhere = zone.cli({"zone", "fetch", "home.test", "--dns", "127.0.0.1:" + dns_port, "--owner", stranger});
  BOOST_TEST(pinned_elsewhere.code == 1);
  BOOST_TEST(pinned_elsewhere.err.find("trusts " + stranger) != std::string::npos, pinned_elsewhere.err);

  // A node that lost its cached copy boots from the config another node serves in DNS.
  auto b_dns = std::to_string(free_port());
  zone.bring_up("b", {"--dns-listen", "127.0.0.1:" + b_dns});
  zone.nodes["a"]->signal(SIGTERM);
  BOOST_TEST_REQUIRE((zone.nodes["a"]->wait_exit() == std::optional<int>(0)));
  fs::remove(fs::path(zone.data("a")) / "zone_config");
  node_process lost(zone.dir.path, {"--data-dir", zone.data("a"), "--zone-dns", "127.0.0.1:" + b_dns});
  BOOST_TEST(lost.wait_for_log("boot: zone config: version 3 from DNS 127.0.0.1:" + b_dns + " verified"), lost.err());
  BOOST_TEST(fs::exists(fs::path(zone.data("a")) / "zone_config"));

  // acl_config, enforced on what arrives over the transport: b's key speaks as node b.
  zone.nodes["b"]->signal(SIGTERM);
  BOOST_TEST_REQUIRE((zone.nodes["b"]->wait_exit() == std::optional<int>(0)));
  auto b_key = *net::load_key_file(zone.data("b") + "/node.key");
  auto zone_peers = *net::peer_directory::from_zone_config(net::load_zone_config_file(zone.zone_file, std::nullopt)->config);
  admin_client as_b(b_key, zone_peers, "b", "home.test");
  BOOST_TEST_REQUIRE(as_b.wait_connected({"a"}, 10s));
  auto b_put = [&](const std::string& key) -> std::string {
    kv_client_request call{77, ++sequence, {}, false, 0};
    call.request.success.push_back({kv_op_kind::put, key, "", "v"});
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto answer = as_b.call("a", "paxos", call, 5s);
      if (!answer) return answer.error().message();
      if (answer->ok) return "ok";
      if (answer->error_code != static_cast<std::uint8_t>(status_code::unavailable)) return answer->error_message;
      std::this_thread::sleep_for(100ms);  // no leader yet
    }
    return "no leader";
  };
  BOOST_TEST(b_put("/nodes/b/notes") == "ok");
  BOOST_TEST(b_put("/nodes/a/notes").find("node b may not write '/nodes/a/notes'") != std::string::npos);
  BOOST_TEST(b_put("/services/photos/spec").find("may not write") != std::string::npos);
  auto rules = R"({"rules": [{"who": "node:b", "prefix": "/photos/", "access": "write"}]})";
  auto granted = zone.cli({"kv", "put", acl_key, rules});
  BOOST_TEST_REQUIRE(granted.code == 0, granted.err);
  BOOST_TEST(b_put("/photos/1") == "ok");
  BOOST_TEST(b_put("/nodes/b/notes").find("may not write") != std::string::npos);
  auto broken = zone.cli({"kv", "put", acl_key, "{\"rules\": [{\"who\": \"root\"}]}"});
  BOOST_TEST(broken.code == 2);  // bad input, refused before the log
  BOOST_TEST(broken.err.find("acl_config: rule 0") != std::string::npos, broken.err);
}
