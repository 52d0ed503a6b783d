// The etcd v3 JSON API of a 3-node zone of real processes, driven with curl as an
// etcd script would: kv and lease calls on any state node, a streamed watch, and
// every refusal (no token, another zone's token, an expired one, a user the acl
// does not allow, malformed JSON, bad base64, an oversized body, unknown paths).
#define BOOST_TEST_MODULE integration_etcd_api
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "actors/etcd_api/etcd_json.hpp"
#include "net/api_token.hpp"
#include "net/key_file.hpp"
#include "tests/support/cli_zone.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

struct answer {
  int status = 0;
  json body;
  std::string raw;
};

struct api_zone : zone_dir {
  std::map<std::string, std::uint16_t> api_ports;
  std::string token;

  api_zone() {
    auto created = cli({"zone", "create", "home.test", "--state-nodes", "n1,n2,n3", "--out", zone_file});
    BOOST_TEST_REQUIRE(created.code == 0, created.err);
    for (auto name : {"n1", "n2", "n3"}) {
      api_ports[name] = free_port();
      bring_up(name, {"--api-listen", "127.0.0.1:" + std::to_string(api_ports[name])});
      BOOST_TEST_REQUIRE(nodes[name]->wait_for_log("etcd v3 JSON API on"), nodes[name]->err());
    }
    auto minted = cli({"api-token"});
    BOOST_TEST_REQUIRE(minted.code == 0, minted.err);
    token = minted.out.substr(0, minted.out.find('\n'));
  }

  answer call(const std::string& node, const std::string& path, const std::string& body,
              const std::string& with_token = "default", std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"-s", "-w", "\n%{http_code}", "-X", "POST", "--max-time", "10"};
    auto use = with_token == "default" ? token : with_token;
    if (!use.empty()) args.insert(args.end(), {"-H", "Authorization: Bearer " + use});
    args.insert(args.end(), extra.begin(), extra.end());
    auto data = body;
    if (body.size() > 64 * 1024) {  // past what a command line takes
      auto file = dir.path / "body.json";
      std::ofstream(file, std::ios::binary) << body;
      data = "@" + file.string();
    }
    args.insert(args.end(), {"--data-binary", data, "http://127.0.0.1:" + std::to_string(api_ports[node]) + path});
    node_process curl(dir.path, args, {}, "/usr/bin/curl");
    BOOST_TEST_REQUIRE(curl.wait_exit(20s).has_value());
    auto out = curl.out();
    auto cut = out.rfind('\n');
    answer got;
    got.raw = out.substr(0, cut);
    got.status = std::stoi(out.substr(cut + 1));
    got.body = json::parse(got.raw, nullptr, false);
    return got;
  }
};

std::string b64(const std::string& text) { return etcd::to_base64(text); }

}  // namespace

BOOST_AUTO_TEST_CASE(etcd_scripts_work_against_any_state_node) {
  api_zone zone;
  auto put = zone.call("n1", "/v3/kv/put", json{{"key", b64("photos/1")}, {"value", b64("beach")}}.dump());
  BOOST_TEST_REQUIRE(put.status == 200, put.raw);
  auto revision = std::stoll(put.body["header"]["revision"].get<std::string>());
  // Read back on another node, as a prefix range.
  auto range = zone.call("n2", "/v3/kv/range", json{{"key", b64("photos/")}, {"range_end", b64("photos0")}}.dump());
  BOOST_TEST_REQUIRE(range.status == 200, range.raw);
  BOOST_TEST(range.body["count"] == "1");
  BOOST_TEST(range.body["kvs"][0]["value"] == b64("beach"));
  BOOST_TEST(range.body["kvs"][0]["mod_revision"] == std::to_string(revision));
  // A compare-and-swap txn: succeeds once, then fails on the stale revision.
  auto cas = json{{"compare", {{{"key", b64("photos/1")}, {"target", "MOD"}, {"mod_revision", std::to_string(revision)}}}},
                  {"success", {{{"request_put", {{"key", b64("photos/1")}, {"value", b64("forest")}}}}}}}.dump();
  auto first = zone.call("n3", "/v3/kv/txn", cas);
  BOOST_TEST(first.body["succeeded"] == true, first.raw);
  auto second = zone.call("n3", "/v3/kv/txn", cas);
  BOOST_TEST(second.status == 200);
  BOOST_TEST(!second.body.contains("succeeded"), second.raw);
  // Leases: a key attached to a revoked lease is gone.
  auto grant = zone.call("n1", "/v3/lease/grant", R"({"TTL": 30})");
  BOOST_TEST_REQUIRE(grant.status == 200, grant.raw);
  auto lease = grant.body["ID"].get<std::string>();
  BOOST_TEST(zone.call("n2", "/v3/kv/put", json{{"key", b64("tmp")}, {"value", b64("x")}, {"lease", lease}}.dump()).status == 200);
  auto kept = zone.call("n2", "/v3/lease/keepalive", json{{"ID", lease}}.dump());
  BOOST_TEST(kept.body["result"]["TTL"] == "30", kept.raw);
  BOOST_TEST(zone.call("n3", "/v3/lease/revoke", json{{"ID", lease}}.dump()).status == 200);
  BOOST_TEST(!zone.call("n1", "/v3/kv/range", json{{"key", b64("tmp")}}.dump()).body.contains("kvs"));
  auto unknown_lease = zone.call("n1", "/v3/lease/keepalive", json{{"ID", lease}}.dump());
  BOOST_TEST(unknown_lease.status == 404, unknown_lease.raw);
  auto deleted = zone.call("n1", "/v3/kv/deleterange", json{{"key", b64("photos/1")}, {"prev_kv", true}}.dump());
  BOOST_TEST(deleted.body["deleted"] == "1", deleted.raw);
  BOOST_TEST(deleted.body["prev_kvs"][0]["value"] == b64("forest"));

  // A watch streams the changes made after it started, in order.
  std::vector<std::string> args = {"-s", "-N", "--max-time", "4", "-H", "Authorization: Bearer " + zone.token,
                                   "--data-binary", json{{"create_request", {{"key", b64("w/")}, {"range_end", b64("w0")}}}}.dump(),
                                   "http://127.0.0.1:" + std::to_string(zone.api_ports["n2"]) + "/v3/watch"};
  node_process watch(zone.dir.path, args, {}, "/usr/bin/curl");
  BOOST_TEST_REQUIRE(watch.wait_for_out("\"created\":true"), watch.out());
  for (auto value : {"a", "b", "c"}) zone.call("n1", "/v3/kv/put", json{{"key", b64("w/1")}, {"value", b64(value)}}.dump());
  zone.call("n3", "/v3/kv/deleterange", json{{"key", b64("w/1")}}.dump());
  BOOST_TEST(watch.wait_for_out("\"type\":\"DELETE\""), watch.out());
  std::vector<std::string> seen;
  std::istringstream lines(watch.out());
  for (std::string line; std::getline(lines, line);) {
    auto item = json::parse(line, nullptr, false);
    if (item.is_discarded() || !item["result"].contains("events")) continue;
    for (const auto& event : item["result"]["events"]) {
      seen.push_back(event.value("type", "PUT") + ":" + event["kv"].value("value", ""));
    }
  }
  BOOST_TEST((seen == std::vector<std::string>{"PUT:" + b64("a"), "PUT:" + b64("b"), "PUT:" + b64("c"), "DELETE:"}));
}

BOOST_AUTO_TEST_CASE(every_bad_request_gets_an_etcd_style_refusal) {
  api_zone zone;
  auto body = json{{"key", b64("k")}, {"value", b64("v")}}.dump();
  auto no_token = zone.call("n1", "/v3/kv/put", body, "");
  BOOST_TEST(no_token.status == 401);
  BOOST_TEST(no_token.body["code"] == 16);
  BOOST_TEST(no_token.body["error"].get<std::string>().find("bucky api-token") != std::string::npos);
  // A token made by a stranger's key for the name "owner", and an expired one.
  auto forged = net::make_api_token(key(77), "home.test", "owner", 4'000'000'000ull);
  BOOST_TEST(zone.call("n1", "/v3/kv/put", body, forged).status == 401);
  auto owner_key = net::load_key_file((zone.dir.path / "home" / ".bucky" / "home.test.owner.key").string());
  BOOST_TEST_REQUIRE(owner_key.has_value(), owner_key.error().message());
  {
    auto expired = net::make_api_token(*owner_key, "home.test", "owner", 1'000);
    auto refused = zone.call("n1", "/v3/kv/put", body, expired);
    BOOST_TEST(refused.status == 401);
    BOOST_TEST(refused.raw.find("expired") != std::string::npos, refused.raw);
    auto other_zone = net::make_api_token(*owner_key, "other.test", "owner", 4'000'000'000ull);
    BOOST_TEST(zone.call("n1", "/v3/kv/put", body, other_zone).status == 401);
  }
  // A user the acl allows only /photos/: refused elsewhere with 403.
  auto alice_file = (zone.dir.path / "alice.key").string();
  auto alice_key = zone.cli({"--key", alice_file, "key", "create"}).out;
  alice_key = alice_key.substr(0, alice_key.find('\n'));
  BOOST_TEST_REQUIRE(zone.cli({"user", "add", "alice", "--public-key", alice_key}).code == 0);
  auto rules = R"({"rules": [{"who": "writer:alice", "prefix": "/photos/", "access": "write"}]})";
  BOOST_TEST_REQUIRE(zone.cli({"kv", "put", "/system/acl", rules}).code == 0);
  auto alice_token = zone.cli({"--key", alice_file, "api-token", "--name", "alice"}).out;
  alice_token = alice_token.substr(0, alice_token.find('\n'));
  answer allowed;
  BOOST_TEST(node_process::wait_for([&] {  // the nodes admit alice within their 2 s read of /users/
    allowed = zone.call("n1", "/v3/kv/put", json{{"key", b64("/photos/1")}, {"value", b64("x")}}.dump(), alice_token);
    return allowed.status == 200;
  }), allowed.raw);
  auto denied = zone.call("n1", "/v3/kv/put", json{{"key", b64("/music/1")}, {"value", b64("x")}}.dump(), alice_token);
  BOOST_TEST(denied.status == 403, denied.raw);
  BOOST_TEST(denied.body["code"] == 7);
  // Malformed input.
  auto not_json = zone.call("n2", "/v3/kv/put", "{\"key\":");
  BOOST_TEST(not_json.status == 400);
  BOOST_TEST(not_json.body["code"] == 3);
  BOOST_TEST(zone.call("n2", "/v3/kv/put", R"({"key": "!!!"})").raw.find("not valid base64") != std::string::npos);
  BOOST_TEST(zone.call("n2", "/v3/kv/range", R"({"key": "aw==", "sort_target": "KEY"})").status == 400);
  BOOST_TEST(zone.call("n2", "/v3/kv/compact", "{}").status == 404);
  auto huge = zone.call("n3", "/v3/kv/put", json{{"key", b64("big")}, {"value", std::string(6 * 1024 * 1024, 'A')}}.dump());
  BOOST_TEST(huge.status == 413, huge.raw.substr(0, 200));
  auto get = zone.call("n3", "/v3/kv/range", "{}", "default", {"-X", "GET"});
  BOOST_TEST(get.status == 400);
  // The node is fine afterwards.
  BOOST_TEST(zone.call("n3", "/v3/kv/put", body).status == 200);
}
