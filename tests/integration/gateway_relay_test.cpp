// Access from anywhere (issue 21), on one machine: three home nodes behind a NAT
// (nftables masquerade, nothing in), a gateway node in a "public" namespace and a
// browser (curl) in a third. The client reaches the panel and an app only through
// the gateway node, which passes TLS through to a home node without a key to read
// it; the zone at home keeps working while the gateway node is dead, and the way in
// comes back when it is started again. Every namespace is the test's own.
#define BOOST_TEST_MODULE integration_gateway_relay
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/gateway_zone.hpp"
#include "tests/support/nat_namespaces.hpp"

using namespace bucky::testing;
using json = nlohmann::json;

namespace {

constexpr const char* gateway_node = "gw";
const std::string transport_address = std::string(nat_namespaces::public_address) + ":7000";
const std::string relay_address = std::string(nat_namespaces::public_address) + ":443";

// curl in the client namespace, for `url` on the zone's names resolved to the
// gateway node; -w prints the status last.
command_run curl(const nat_namespaces& nets, const std::string& dir, const std::string& url,
                 const std::string& more = "") {
  std::string resolve;
  for (const auto* host : {"home.test", "notes.home.test"}) {
    resolve += std::string(" --resolve ") + host + ":443:" + nat_namespaces::public_address;
  }
  return nat_namespaces::in(nets.client(), "curl -sS --max-time 10 --cacert '" + dir + "/ca.pem'" + resolve +
                                               " -c '" + dir + "/jar' -b '" + dir + "/jar' -w '\\n%{http_code}' " +
                                               more + " '" + url + "'");
}

std::string status_of(const command_run& run) { return run.out.substr(run.out.rfind('\n') + 1); }

struct relay_zone {
  nat_namespaces nets;
  gateway_zone home{nets.home(), "0.0.0.0"};  // the home network's address too: the NAT keeps strangers out
  std::unique_ptr<node_process> gateway;
  std::string dir = home.zone.dir.path.string();

  relay_zone() {
    std::ofstream(dir + "/ca.pem") << home.ca_pem;
    auto& zone = home.zone;
    const auto data = zone.data(gateway_node);
    gateway = spawn_in(nets.pub(), zone.dir.path, {"--data-dir", data, "--listen", transport_address,
                                                   "--relay-listen", relay_address});
    BOOST_TEST_REQUIRE(gateway->wait_for_out("not activated yet"), gateway->err());
    // The owner, at home, activates it through the NAT (an outbound connection).
    auto activated = zone.cli({"node", "activate", gateway_node, "--gateway", "--at", transport_address, "--node-key",
                               zone.key_of(data)});
    BOOST_TEST_REQUIRE(activated.code == 0, activated.out << activated.err);
    wait_for_homes();
  }

  void restart_gateway() {
    gateway = spawn_in(nets.pub(), home.zone.dir.path, {"--data-dir", home.zone.data(gateway_node), "--listen",
                                                        transport_address, "--relay-listen", relay_address});
    wait_for_homes();
  }

  // Every home node has dialled the gateway node and said hello.
  void wait_for_homes() {
    for (const auto* node : {"n1", "n2", "n3"}) {
      BOOST_TEST_REQUIRE(gateway->wait_for_log(std::string("relay: home node ") + node + " is connected", 60s),
                         gateway->err());
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_panel_and_an_app_from_outside_only_through_the_gateway_node_and_back_after_it_died) {
  if (!fuse_usable() || !nat_namespaces::usable()) return;
  relay_zone rz;
  auto& nets = rz.nets;
  const auto& dir = rz.dir;

  // The way in: the panel, a sign-in, the nodes as the owner sees them.
  auto panel = curl(nets, dir, "https://home.test/");
  BOOST_TEST_REQUIRE(status_of(panel) == "200", panel.out << "\n--- gateway node:\n" << rz.gateway->err());
  BOOST_TEST(panel.out.find("<html") != std::string::npos);
  auto login = curl(nets, dir, "https://home.test/api/login",
                    "-H 'Content-Type: application/json' --data '{\"user\":\"owner\",\"password\":\"" +
                        owner_password + "\"}'");
  BOOST_TEST_REQUIRE(status_of(login) == "200", login.out);
  auto nodes = curl(nets, dir, "https://home.test/api/nodes");
  BOOST_TEST_REQUIRE(status_of(nodes) == "200", nodes.out);
  for (const auto* node : {"\"n1\"", "\"n2\"", "\"n3\""}) BOOST_TEST(nodes.out.find(node) != std::string::npos);

  // An app by its name, made public so a stranger may use it.
  auto installed = rz.home.zone.cli({"app", "install", pack_notes(rz.home), "--grant", "all", "--wait-ms", "30000"});
  BOOST_TEST_REQUIRE(installed.code == 0, installed.out << installed.err);
  BOOST_TEST_REQUIRE(rz.home.zone.cli({"app", "public", "notes"}).code == 0);
  BOOST_TEST(node_process::wait_for([&] { return curl(nets, dir, "https://notes.home.test/health").out.starts_with("ok 1.0.0"); },
                                    30s),
             curl(nets, dir, "https://notes.home.test/health").out);

  // Stopped from the panel (through the relay), started again by the CLI.
  auto csrf = json::parse(login.out.substr(0, login.out.rfind('\n')))["csrf"].get<std::string>();
  auto stop = curl(nets, dir, "https://home.test/api/apps/run",
                   "-H 'Content-Type: application/json' -H 'X-CSRF-Token: " + csrf +
                       "' --data '{\"name\":\"notes\",\"run\":false}'");
  BOOST_TEST_REQUIRE(status_of(stop) == "200", stop.out);
  BOOST_TEST(node_process::wait_for([&] { return status_of(curl(nets, dir, "https://notes.home.test/health")) == "503"; }, 30s));
  auto listed = rz.home.zone.cli({"--json", "app", "list"});
  BOOST_TEST(listed.out.find("\"stopped\":true") != std::string::npos, listed.out);
  BOOST_TEST_REQUIRE(rz.home.zone.cli({"app", "start", "notes"}).code == 0);
  BOOST_TEST(node_process::wait_for([&] { return curl(nets, dir, "https://notes.home.test/health").out.starts_with("ok 1.0.0"); },
                                    30s));

  // The gateway node saw names and bytes, never a key: it has no certificate, and
  // nothing but the relay reaches home from the client's side.
  BOOST_TEST(rz.home.zone.cli({"kv", "get", "/system/tls/nodes/gw"}).code == 1);
  BOOST_TEST(rz.gateway->err().find("relay: 10.77.3.2:") != std::string::npos);
  const auto home_gateway = std::string("https://") + nat_namespaces::home_address + ":" +
                            std::to_string(rz.home.gateway_ports.at("n1")) + "/";
  auto at_home = nat_namespaces::in(nets.home(), "curl -sS --max-time 5 -k -o /dev/null " + home_gateway);
  BOOST_TEST(at_home.code == 0, at_home.out);  // it listens there...
  BOOST_TEST(nat_namespaces::in(nets.client(), "curl -sS --max-time 3 -k " + home_gateway).code != 0);
  auto inbound = nat_namespaces::in(nets.pub(), "curl -sS --max-time 3 -k " + home_gateway);
  BOOST_TEST(inbound.code != 0, inbound.out);  // ...but the NAT lets nothing in

  // A name this relay does not carry, and bytes that are not TLS: closed.
  auto other = nat_namespaces::in(nets.client(), std::string("curl -sS --max-time 5 -k --resolve evil.test:443:") +
                                                     nat_namespaces::public_address + " https://evil.test/");
  BOOST_TEST(other.code != 0, other.out);
  auto plain = nat_namespaces::in(nets.client(), std::string("curl -sS --max-time 5 http://") +
                                                     nat_namespaces::public_address + ":443/");
  BOOST_TEST(plain.code != 0, plain.out);
  BOOST_TEST(rz.gateway->wait_for_log("'evil.test' is not home.test", 10s), rz.gateway->err());
  BOOST_TEST(rz.gateway->wait_for_log("not TLS", 10s), rz.gateway->err());

  // The gateway node dies: the way in is gone, the zone at home goes on.
  rz.gateway->signal(SIGKILL);
  BOOST_TEST(rz.gateway->wait_exit(10s).has_value());
  BOOST_TEST(curl(nets, dir, "https://home.test/").code != 0);
  auto put = rz.home.zone.cli({"kv", "put", "/family/note", "written while the gateway node was down"});
  BOOST_TEST(put.code == 0, put.err);

  // It comes back: so does the way in, with the same session cookie.
  rz.restart_gateway();
  auto again = curl(nets, dir, "https://home.test/api/nodes");
  BOOST_TEST(status_of(again) == "200", again.out << "\n--- gateway node:\n" << rz.gateway->err());
  BOOST_TEST(curl(nets, dir, "https://notes.home.test/health").out.starts_with("ok 1.0.0"));
}
