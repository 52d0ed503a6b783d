// The gateway on a real zone (issue 21): three bucky-node processes with
// --gateway-listen, certificates from the zone CA (bucky zone tls issue), passwords
// set with bucky user passwd; then HTTPS as a browser and as an attacker would use
// it: sign-in and its lockout, cookies forged, reused after sign-out or taken to
// another node, CSRF, a person reaching past their rights, oversized and smuggled
// requests, strangers' Host names; the panel's API doing what the CLI does; and the
// sample app reached at notes.<zone> through a node that does not run it, with the
// signed-in person passed on. Needs root, /dev/fuse and bwrap (CI has them).
#define BOOST_TEST_MODULE integration_gateway
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/gateway_zone.hpp"

using namespace bucky;
using namespace bucky::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct signed_in {
  std::string cookie;  // "__Host-bucky=..."
  std::string csrf;
};

tls_reply sign_in(tls_client& client, const std::string& user, const std::string& password) {
  return client.request("POST", "/api/login", {{"Content-Type", "application/json"}},
                        json{{"user", user}, {"password", password}}.dump());
}

signed_in signed_in_as(tls_client& client, const std::string& user, const std::string& password) {
  auto reply = sign_in(client, user, password);
  BOOST_TEST_REQUIRE(reply.status == 200, reply.error << reply.body);
  auto body = json::parse(reply.body);
  return {reply.cookie("__Host-bucky"), body["csrf"]};
}

tls_reply call(tls_client& client, const signed_in& who, const std::string& method, const std::string& target,
               const std::string& body = "", std::map<std::string, std::string> fields = {}) {
  fields["Cookie"] = who.cookie;
  if (method != "GET" && !fields.count("X-CSRF-Token")) fields["X-CSRF-Token"] = who.csrf;
  return client.request(method, target, fields, body);
}

// The node the app runs on, once it runs.
std::string app_node(gateway_zone& gz, const std::string& app) {
  std::string node;
  BOOST_TEST_REQUIRE(node_process::wait_for(
      [&] {
        auto status = gz.zone.cli({"--json", "app", "status", app});
        auto parsed = json::parse(status.out, nullptr, false);
        if (status.code != 0 || !parsed.is_object() || parsed["instances"].empty()) return false;
        const auto& row = parsed["instances"][0];
        if (row["state"] != "running" || row["ports"].empty()) return false;
        node = row["node"];
        return true;
      },
      60s));
  return node;
}

// Follows the gateway's redirects (within the zone) as a browser would, keeping
// cookies per host; the last answer.
tls_reply browse(gateway_zone& gz, const std::string& node, std::string url, std::map<std::string, std::string>& jar) {
  for (int hops = 0; hops < 6; ++hops) {
    auto rest = url.substr(std::string("https://").size());
    auto slash = rest.find('/');
    auto host_port = rest.substr(0, slash);
    auto host = host_port.substr(0, host_port.find(':'));
    auto target = rest.substr(slash);
    auto client = gz.client(node, host);
    std::map<std::string, std::string> fields;
    if (jar.count(host)) fields["Cookie"] = jar[host];
    auto reply = client.request("GET", target, fields);
    for (const auto& set : reply.set_cookies) jar[host] = set.substr(0, set.find(';'));
    if (reply.status != 303) return reply;
    url = reply.header("location");
    if (url.rfind("https://", 0) != 0) url = "https://" + host_port + url;
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_panel_signs_people_in_and_refuses_what_an_attacker_tries) {
  if (!fuse_usable()) return;
  gateway_zone gz;
  auto n1 = gz.client("n1");

  auto page = n1.request("GET", "/");
  BOOST_TEST(page.status == 200, page.error);
  BOOST_TEST(page.body.find("<title>BuckyOS zone</title>") != std::string::npos);
  BOOST_TEST(page.header("content-security-policy").find("default-src 'self'") != std::string::npos);
  BOOST_TEST(n1.request("GET", "/app.js").header("content-type").find("javascript") != std::string::npos);
  BOOST_TEST(n1.request("GET", "/api/session").status == 401);

  // Wrong passwords: the same answer for a wrong name, then the wait.
  BOOST_TEST(sign_in(n1, "nobody", "whatever-123").status == 401);
  for (int i = 0; i < 5; ++i) BOOST_TEST(sign_in(n1, "alice", "wrong-password").status == 401);
  auto locked = sign_in(n1, "alice", alice_password);
  BOOST_TEST(locked.status == 429, locked.body);
  BOOST_TEST(locked.header("retry-after") == "1");
  std::this_thread::sleep_for(1100ms);
  auto alice = signed_in_as(n1, "alice", alice_password);
  BOOST_TEST(alice.cookie.size() > 20u);
  auto owner = signed_in_as(n1, "owner", owner_password);
  auto session = json::parse(call(n1, owner, "GET", "/api/session").body);
  BOOST_TEST(session["user"] == "owner");
  BOOST_TEST(session["role"] == "owner");
  BOOST_TEST(n1.request("POST", "/api/login", {{"Content-Type", "text/plain"}}, "user=owner").status == 415);

  // Forged cookies, a cookie taken to another node, CSRF.
  BOOST_TEST(call(n1, {"__Host-bucky=forged", owner.csrf}, "GET", "/api/session").status == 401);
  auto n2 = gz.client("n2");
  BOOST_TEST(call(n2, owner, "GET", "/api/session").status == 401);
  BOOST_TEST(call(n1, owner, "POST", "/api/files/mkdir?path=/family", "", {{"X-CSRF-Token", "guess"}}).status == 403);
  BOOST_TEST(call(n1, owner, "POST", "/api/files/mkdir?path=/family", "", {{"Origin", "https://evil.test"}}).status == 403);
  auto made = call(n1, owner, "POST", "/api/files/mkdir?path=/family");
  BOOST_TEST(made.status == 200, made.body);

  // The panel's API is the CLI's: nodes, and files that the CLI sees.
  auto nodes = json::parse(call(n1, owner, "GET", "/api/nodes").body, nullptr, false);
  BOOST_TEST_REQUIRE(nodes.is_object());
  BOOST_TEST(nodes["nodes"].size() == 3u);
  for (const auto& node : nodes["nodes"]) BOOST_TEST(node["up"].get<bool>(), node.dump());
  BOOST_TEST(!nodes["zone_state"]["leader"].get<std::string>().empty());
  const std::string photo(300 * 1024, 'p');
  auto put = call(n1, owner, "PUT", "/api/files/put?path=/family/photo.jpg", photo,
                  {{"Content-Type", "application/octet-stream"}});
  BOOST_TEST(put.status == 200, put.body);
  auto fetched = gz.zone.cli({"fs", "stat", "/family/photo.jpg", "--json"});
  BOOST_TEST(fetched.out.find("307200") != std::string::npos, fetched.out << fetched.err);
  BOOST_TEST(call(n1, owner, "GET", "/api/files/get?path=/family/photo.jpg").body == photo);
  auto listed = json::parse(call(n1, owner, "GET", "/api/files/list?path=/family").body);
  BOOST_TEST(listed["entries"].size() == 1u);

  // A writer writes their own home, not another's, and not the owner's pages.
  BOOST_TEST(call(n1, alice, "POST", "/api/files/mkdir?path=/home/alice").status == 200);
  BOOST_TEST(call(n1, alice, "PUT", "/api/files/put?path=/home/alice/note.txt", "mine").status == 200);
  auto other = call(n1, alice, "PUT", "/api/files/put?path=/family/alice-was-here.txt", "x");
  BOOST_TEST(other.status == 403, other.body);
  auto adding = call(n1, alice, "POST", "/api/users/add", json{{"name", "mallory"}, {"password", "mallory-pass-1"}}.dump());
  BOOST_TEST(adding.status == 403, adding.body);
  BOOST_TEST(call(n1, owner, "POST", "/api/users/add", json{{"name", "bob"}, {"role", "reader"}, {"password", "bob-pass-7788"}}.dump()).status == 200);
  BOOST_TEST(gz.zone.cli({"user", "list"}).out.find("bob") != std::string::npos);

  // What no browser sends.
  BOOST_TEST(n1.request("GET", "/", {{"X-Filler", std::string(20 * 1024, 'a')}}).status == 431);
  auto smuggled = n1.raw("POST /api/login HTTP/1.1\r\nHost: home.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "0\r\n\r\nGET /api/users HTTP/1.1\r\nHost: home.test\r\n\r\n");
  BOOST_TEST(smuggled.status == 400);
  auto stranger = n1.raw("GET / HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n");
  BOOST_TEST(stranger.status == 421, stranger.body);
  BOOST_TEST(n1.raw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").status == 421);

  // Live events: the stream opens with the zone's state.
  auto events = n1.request("GET", "/api/events", {{"Cookie", owner.cookie}}, "", 1500ms);
  BOOST_TEST(events.status == 200, events.error);
  BOOST_TEST(events.body.find("event: zone") != std::string::npos, events.body);

  // Signing out ends the session for good.
  BOOST_TEST(call(n1, alice, "POST", "/api/logout").status == 200);
  BOOST_TEST(call(n1, alice, "GET", "/api/session").status == 401);
  BOOST_TEST(gz.zone.nodes["n1"]->err().find("sign-in as alice from 127.0.0.1 failed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_app_is_reached_by_its_name_through_any_node_with_the_person_passed_on) {
  if (!fuse_usable()) return;
  gateway_zone gz;
  auto installed = gz.zone.cli({"app", "install", pack_notes(gz), "--grant", "all", "--wait-ms", "30000"});
  BOOST_TEST_REQUIRE(installed.code == 0, installed.out << installed.err);
  auto runs_on = app_node(gz, "notes");
  std::string elsewhere = runs_on == "n1" ? "n2" : "n1";
  for (const auto& node : {runs_on, elsewhere}) {
    auto port = std::to_string(gz.gateway_ports.at(node));
    std::map<std::string, std::string> jar;
    auto panel = gz.client(node);
    auto owner = signed_in_as(panel, "owner", owner_password);
    jar[zone_id] = owner.cookie;
    // Not signed in at the app's host: to the panel, a ticket, and back with a cookie.
    auto me = browse(gz, node, "https://notes." + zone_id + ":" + port + "/me", jar);
    BOOST_TEST(me.status == 200, node << ": " << me.error << me.body);
    BOOST_TEST(me.body == "owner owner\n", node << ": " << me.body);
    BOOST_TEST(jar.count("notes." + zone_id) == 1u);
    // The app's host never gets the panel's cookie, and a client cannot pass as someone.
    auto app = gz.client(node, "notes." + zone_id);
    auto forged = app.request("GET", "/me", {{"Cookie", jar["notes." + zone_id]}, {"X-Bucky-User", "alice"}});
    BOOST_TEST(forged.body == "owner owner\n");
    auto posted = app.request("POST", "/notes", {{"Cookie", jar["notes." + zone_id]}}, "from " + node);
    BOOST_TEST(posted.status == 201, posted.body);
    // Without its cookie: to sign-in (GET) or refused (anything else).
    BOOST_TEST(app.request("GET", "/notes").status == 303);
    BOOST_TEST(app.request("POST", "/notes", {}, "x").status == 401);
    // A ticket is good once.
    auto open = panel.request("GET", "/api/open?app=notes", {{"Cookie", owner.cookie}});
    BOOST_TEST_REQUIRE(open.status == 303);
    auto sso = open.header("location").substr(open.header("location").find("/.bucky/sso"));
    BOOST_TEST(app.request("GET", sso).status == 303);
    BOOST_TEST(app.request("GET", sso).status == 403);
  }
  auto all = gz.client(runs_on, "notes." + zone_id);
  std::map<std::string, std::string> jar;
  auto panel = gz.client(runs_on);
  jar[zone_id] = signed_in_as(panel, "owner", owner_password).cookie;
  auto notes = browse(gz, runs_on, "https://notes." + zone_id + ":" + std::to_string(gz.gateway_ports.at(runs_on)) + "/notes", jar);
  BOOST_TEST(notes.body.find("from " + runs_on) != std::string::npos, notes.body);
  BOOST_TEST(notes.body.find("from " + elsewhere) != std::string::npos, notes.body);
  // An app that is not installed.
  BOOST_TEST(gz.client(runs_on, "photos." + zone_id).request("GET", "/").status == 404);
  // A public app: anyone reaches it, nobody is passed on as signed in.
  auto made_public = gz.zone.cli({"app", "public", "notes"});
  BOOST_TEST_REQUIRE(made_public.code == 0, made_public.err);
  BOOST_TEST(node_process::wait_for([&] { return all.request("GET", "/me").body == "- -\n"; }, 10s));
  BOOST_TEST(all.request("GET", "/me", {{"X-Bucky-User", "owner"}}).body == "- -\n");
  BOOST_TEST(gz.zone.cli({"app", "public", "notes", "--off"}).code == 0);
  BOOST_TEST(node_process::wait_for([&] { return all.request("GET", "/me").status == 303; }, 10s));
}
