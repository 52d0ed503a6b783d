// The gateway's plain parts (issue 21): where a Host goes, the sign-in guard,
// sessions and tickets, cookies, queries and redirect targets, password-sealed keys
// and the zone's certificates. Each as an attacker would try it.
#define BOOST_TEST_MODULE unit_gateway_cores
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "actors/gateway/host_route.hpp"
#include "actors/gateway/login_guard.hpp"
#include "actors/gateway/url_query.hpp"
#include "actors/gateway/web_cookies.hpp"
#include "actors/gateway/web_sessions.hpp"
#include "net/gateway_tls.hpp"
#include "net/password_box.hpp"
#include "net/tls_certs.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::gateway;

namespace {

const std::set<std::string> nodes{"n1", "n2"};
const std::uint64_t unix_now = 1'800'000'000;

std::function<std::string()> counting_tokens() {
  auto next = std::make_shared<int>(0);
  return [next] { return "token-" + std::to_string((*next)++); };
}

web_session person(const std::string& name) {
  return {name, "writer", std::make_shared<const net::key_pair>(testing::key(7)), "", 0, 0};
}

}  // namespace

BOOST_AUTO_TEST_CASE(hosts_route_to_the_panel_an_app_or_nowhere) {
  BOOST_TEST((route_host("home.test", "home.test", nodes).what == host_route::kind::panel));
  BOOST_TEST((route_host("HOME.test.:7401", "home.test", nodes).what == host_route::kind::panel));
  BOOST_TEST((route_host("n2.home.test:443", "home.test", nodes).what == host_route::kind::panel));
  auto app = route_host("notes.home.test:7401", "home.test", nodes);
  BOOST_TEST((app.what == host_route::kind::app));
  BOOST_TEST(app.app == "notes");
  for (const char* stranger : {"127.0.0.1:7401", "evil.test", "home.test.evil.test", "a.b.home.test", "", ":7401",
                               "notes.home.test:99999", "notes.home.test:x", "[::1]:7401", "no tes.home.test",
                               "-x.home.test", "x..home.test", "nothome.test"}) {
    auto route = route_host(stranger, "home.test", nodes);
    BOOST_TEST((route.what == host_route::kind::unknown), stranger);
    BOOST_TEST(!route.reason.empty());
  }
}

BOOST_AUTO_TEST_CASE(the_guard_slows_guessing_per_user_and_per_address_then_forgets) {
  login_guard guard;
  std::uint64_t now = 1'000'000;
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(guard.wait_ms("owner", "10.0.0.1", now) == 0u);
    guard.failed("owner", "10.0.0.1", now);
  }
  BOOST_TEST(guard.wait_ms("owner", "10.0.0.1", now) == 1'000u);
  BOOST_TEST(guard.wait_ms("owner", "10.0.0.99", now) == 1'000u);  // another address gains nothing
  BOOST_TEST(guard.wait_ms("alice", "10.0.0.99", now) == 0u);
  guard.failed("owner", "10.0.0.2", now + 1'000);
  BOOST_TEST(guard.wait_ms("owner", "10.0.0.3", now + 1'000) == 2'000u);  // doubling
  for (int i = 0; i < 30; ++i) guard.failed("owner", "10.0.0.4", now + 2'000);
  BOOST_TEST(guard.wait_ms("owner", "10.0.0.5", now + 2'000) == login_guard_limits{}.wait_ms_max);
  BOOST_TEST(guard.wait_ms("owner", "10.0.0.5", now + 2'000 + login_guard_limits{}.forget_after_ms) == 0u);
  guard.succeeded("owner", "10.0.0.4");
  BOOST_TEST(guard.wait_ms("owner", "10.0.0.4", now + 2'001) == 0u);
  // One address trying many names.
  login_guard names;
  for (int i = 0; i < 20; ++i) names.failed("user" + std::to_string(i), "10.9.9.9", now);
  BOOST_TEST(names.wait_ms("fresh", "10.9.9.9", now) > 0u);
  BOOST_TEST(names.wait_ms("fresh", "10.9.9.8", now) == 0u);
}

BOOST_AUTO_TEST_CASE(the_guard_stays_bounded_under_a_flood_of_names) {
  login_guard_limits limits;
  limits.entries_max = 100;
  login_guard guard(limits);
  for (int i = 0; i < 10'000; ++i) guard.failed("name" + std::to_string(i), "addr" + std::to_string(i % 500), i);
  BOOST_TEST(guard.users_tracked() <= 100u);
  BOOST_TEST(guard.addresses_tracked() <= 100u);
}

BOOST_AUTO_TEST_CASE(sessions_expire_are_bounded_and_removed_with_their_user) {
  web_session_limits limits;
  limits.sessions_per_user_max = 3;
  limits.sessions_max = 5;
  web_sessions sessions(limits, counting_tokens());
  auto first = sessions.create(person("alice"), 0);
  BOOST_TEST(sessions.find(first, 1)->user == "alice");
  BOOST_TEST(!sessions.find(first, 1)->csrf_token.empty());
  BOOST_TEST(sessions.find("forged", 1) == nullptr);
  BOOST_TEST(sessions.find(first, 1 + limits.idle_ms_max) == nullptr);  // idle too long
  std::vector<std::string> tokens;
  for (int i = 0; i < 5; ++i) tokens.push_back(sessions.create(person("alice"), 100 + i));
  BOOST_TEST(sessions.size() == 3u);  // per user
  BOOST_TEST(sessions.find(tokens[0], 200) == nullptr);  // the oldest went
  for (int i = 0; i < 5; ++i) sessions.create(person("u" + std::to_string(i)), 300 + i);
  BOOST_TEST(sessions.size() <= 5u);
  BOOST_TEST(sessions.remove_user("u4") == 1u);
  // A session used all the time still ends at its lifetime.
  web_sessions aging(limits, counting_tokens());
  auto token = aging.create(person("bob"), 0);
  for (std::uint64_t t = 0; t < limits.lifetime_ms_max; t += limits.idle_ms_max / 2) BOOST_TEST(aging.find(token, t) != nullptr);
  BOOST_TEST(aging.find(token, limits.lifetime_ms_max) == nullptr);
}

BOOST_AUTO_TEST_CASE(tickets_are_one_use_one_app_short_lived_and_die_with_the_session) {
  web_sessions sessions(web_session_limits{}, counting_tokens());
  auto token = sessions.create(person("alice"), 0);
  auto ticket = sessions.ticket(token, "notes", 10);
  BOOST_TEST(!sessions.redeem(ticket, "photos", 11).has_value());  // another app
  BOOST_TEST(!sessions.redeem(ticket, "notes", 12).has_value());   // the failed try used it up
  ticket = sessions.ticket(token, "notes", 20);
  BOOST_TEST(!sessions.redeem(ticket, "notes", 20 + web_session_limits{}.ticket_ttl_ms).has_value());  // expired
  ticket = sessions.ticket(token, "notes", 30);
  auto app_token = sessions.redeem(ticket, "notes", 31);
  BOOST_REQUIRE(app_token.has_value());
  BOOST_TEST(!sessions.redeem(ticket, "notes", 32).has_value());  // once
  BOOST_TEST(sessions.find_app(*app_token, "notes", 33)->user == "alice");
  BOOST_TEST(sessions.find_app(*app_token, "photos", 33) == nullptr);
  BOOST_TEST(sessions.find_app(token, "notes", 33) == nullptr);  // the panel's token is no app token
  sessions.remove(token);
  BOOST_TEST(sessions.find_app(*app_token, "notes", 34) == nullptr);  // signing out ends the app's too
  BOOST_TEST(sessions.ticket(token, "notes", 35).empty());
}

BOOST_AUTO_TEST_CASE(cookies_parse_strictly_and_apps_never_get_the_gateways) {
  BOOST_TEST(cookie_value("a=1; __Host-bucky=abc; b=2", panel_cookie).value() == "abc");
  BOOST_TEST(!cookie_value("__Host-bucky=abc; __Host-bucky=planted", panel_cookie).has_value());  // two: refused
  BOOST_TEST(!cookie_value("__Host-bucky-app=x", panel_cookie).has_value());
  BOOST_TEST(cookies_for_app("a=1; __Host-bucky=s; theme=dark; __Host-bucky-app=t") == "a=1; theme=dark");
  auto set = set_cookie(panel_cookie, "tok", 60, true);
  for (const char* part : {"HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=60"}) {
    BOOST_TEST(set.find(part) != std::string::npos, part);
  }
  BOOST_TEST(set.find("Domain") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(queries_decode_and_redirects_stay_in_the_zone) {
  auto query = parse_query("/api/open?app=notes&to=%2Fa%20b%3Fc&x=1+2");
  BOOST_REQUIRE(query.has_value());
  BOOST_TEST((*query)["to"] == "/a b?c");
  BOOST_TEST((*query)["x"] == "1 2");
  BOOST_TEST(!parse_query("/x?a=%4").has_value());
  BOOST_TEST(!parse_query("/x?a=%zz").has_value());
  std::string many = "/x?";
  for (int i = 0; i < 40; ++i) many += "k" + std::to_string(i) + "=1&";
  BOOST_TEST(!parse_query(many).has_value());
  BOOST_TEST(local_path("/notes/1?x=y"));
  for (const char* away : {"//evil.test/", "/\\evil.test", "https://evil.test/", "", "notes", "/a\r\nSet-Cookie: x"}) {
    BOOST_TEST(!local_path(away), away);
  }
  BOOST_TEST(url_encode("/a b&c") == "/a%20b%26c");
}

BOOST_AUTO_TEST_CASE(a_password_opens_its_key_and_nothing_else_does) {
  auto key = testing::key(3);
  auto sealed = net::seal_key_with_password(key, "correct horse", net::password_cost_min);
  BOOST_REQUIRE(sealed.has_value());
  auto record = net::parse_password_record(*sealed);
  BOOST_REQUIRE(record.has_value());
  auto opened = net::open_with_password(*record, "correct horse");
  BOOST_REQUIRE(opened.has_value());
  BOOST_TEST((opened->public_part() == key.public_part()));
  BOOST_TEST(opened->seed() == key.seed());
  BOOST_TEST(net::open_with_password(*record, "correct horsf").error().message() == "wrong password");
  BOOST_TEST(!net::seal_key_with_password(key, "short", net::password_cost_min).has_value());
  // A record swapped to another user's public key opens as a wrong password.
  auto swapped = *record;
  swapped.key = testing::key(4).public_part();
  BOOST_TEST(!net::open_with_password(swapped, "correct horse").has_value());
  // Every flipped byte of the sealed seed fails.
  for (std::size_t i = 0; i < record->sealed_seed.size(); i += 7) {
    auto broken = *record;
    broken.sealed_seed[i] ^= 1;
    BOOST_TEST(!net::open_with_password(broken, "correct horse").has_value());
  }
  // Costs outside the bounds are refused before any hashing.
  auto doc = nlohmann::json::parse(*sealed);
  doc["mem_bytes"] = 1ull << 40;
  BOOST_TEST(net::parse_password_record(doc.dump()).error().message().find("mem_bytes") != std::string::npos);
  doc["mem_bytes"] = 1024;
  BOOST_TEST(!net::parse_password_record(doc.dump()).has_value());
  BOOST_TEST(!net::parse_password_record("not json").has_value());
  BOOST_TEST(!net::parse_password_record(std::string(5000, '{')).has_value());
}

BOOST_AUTO_TEST_CASE(the_zone_ca_vouches_only_for_its_zone_and_node_keys_open_only_on_their_node) {
  auto ca = net::make_zone_ca("home.test", unix_now);
  BOOST_REQUIRE(ca.has_value());
  auto node = net::issue_server_cert(*ca, {"home.test", "*.home.test", "n1.home.test"}, unix_now);
  BOOST_REQUIRE(node.has_value());
  BOOST_TEST(net::issued_by(node->cert_pem, ca->cert_pem));
  auto other_ca = net::make_zone_ca("home.test", unix_now);
  BOOST_TEST(!net::issued_by(node->cert_pem, other_ca->cert_pem));
  auto facts = net::read_cert(node->cert_pem);
  BOOST_REQUIRE(facts.has_value());
  BOOST_TEST(facts->dns_names.size() == 3u);
  BOOST_TEST(facts->not_after_unix_s > unix_now + 300 * 86'400);
  BOOST_TEST(net::check_cert_and_key(node->cert_pem, node->key_pem, unix_now).is_ok());
  BOOST_TEST(!net::check_cert_and_key(node->cert_pem, ca->key_pem, unix_now).is_ok());
  BOOST_TEST(!net::check_cert_and_key(node->cert_pem, node->key_pem, unix_now + 400ull * 86'400).is_ok());
  // Names that would smuggle another extension value are refused.
  BOOST_TEST(!net::issue_server_cert(*ca, {"home.test,DNS:evil.test"}, unix_now).has_value());
  BOOST_TEST(!net::issue_server_cert(*ca, {"*.*.home.test"}, unix_now).has_value());
  BOOST_TEST(!net::read_cert("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n").has_value());
  // The key goes to one node: others (and anyone reading the zone state) cannot open it.
  auto n1 = testing::key(11);
  auto sealed = net::seal_for_node(node->key_pem, n1.public_part());
  BOOST_TEST(net::open_as_node(sealed, n1).value() == node->key_pem);
  BOOST_TEST(!net::open_as_node(sealed, testing::key(12)).has_value());
  auto document = net::render_node_tls({"n1", node->cert_pem, sealed});
  auto parsed = net::parse_node_tls(document);
  BOOST_REQUIRE(parsed.has_value());
  BOOST_TEST(parsed->sealed_key == sealed);
  BOOST_TEST(!net::parse_node_tls("{\"format\": 2}").has_value());
}
