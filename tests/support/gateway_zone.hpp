// A zone for gateway tests (issue 21): three bucky-node processes mounting the
// zone's files, each with --gateway-listen on a port of its own, certificates
// issued by the zone CA (bucky zone tls issue), the owner's password and a writer
// alice with one (bucky user passwd, bucky user add); and the notes sample packed
// by a publisher key of the test's. Needs root, /dev/fuse and bwrap (CI has them).
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "tests/support/mounted_zone.hpp"
#include "tests/support/sample_apps.hpp"
#include "tests/support/tls_client.hpp"

namespace bucky::testing {

inline const std::string zone_id = "home.test";
inline const std::string owner_password = "owner-pass-4207";
inline const std::string alice_password = "alice-pass-9913";

struct gateway_zone {
  std::string netns_;         // before `zone`, which starts its nodes in it
  std::string gateway_host_;  // where the gateways listen
  std::map<std::string, std::uint16_t> gateway_ports;
  mounted_zone zone{{"n1", "n2", "n3"}, {}, [this](const std::string& name) {
                      if (!gateway_ports.count(name)) gateway_ports[name] = free_port();
                      return std::vector<std::string>{"--gateway-listen",
                                                      gateway_host_ + ":" + std::to_string(gateway_ports[name])};
                    }, netns_};
  std::string ca_pem;

  // `netns`: the network namespace the zone runs in ("": this one).
  explicit gateway_zone(std::string netns = "", std::string gateway_host = "127.0.0.1")
      : netns_(std::move(netns)), gateway_host_(std::move(gateway_host)) {
    auto issued = zone.cli({"zone", "tls", "issue"});
    BOOST_TEST_REQUIRE(issued.code == 0, issued.err);
    auto ca = zone.cli({"zone", "ca-cert"});
    BOOST_TEST_REQUIRE(ca.code == 0, ca.err);
    ca_pem = ca.out;
    for (const auto& name : {"n1", "n2", "n3"}) {
      BOOST_TEST_REQUIRE(zone.nodes[name]->wait_for_log("gateway: serving the certificate", 30s), zone.nodes[name]->err());
    }
    BOOST_TEST_REQUIRE(with_stdin({"user", "passwd", "owner"}, owner_password).code == 0);
    BOOST_TEST_REQUIRE(with_stdin({"user", "add", "alice", "--role", "writer"}, alice_password).code == 0);
    for (const auto& name : {"n1", "n2", "n3"}) {  // a node signs in only people it knows
      BOOST_TEST_REQUIRE(zone.nodes[name]->wait_for_log("from /users/: alice", 30s), zone.nodes[name]->err());
    }
  }

  // bucky with `input` on its stdin.
  cli_run with_stdin(std::vector<std::string> args, const std::string& input) {
    std::string command = "printf '%s\\n' '" + input + "' | '" + std::string(BUCKY_CLI_BINARY) + "' --zone '" +
                          zone.zone_file + "' --timeout-ms 5000";
    for (const auto& arg : args) command += " '" + arg + "'";
    auto run = spawn_in(zone.netns, zone.dir.path, {"-c", command}, {"HOME=" + (zone.dir.path / "home").string()},
                        "/bin/sh");
    auto code = run->wait_exit(60s);
    BOOST_TEST_REQUIRE(code.has_value());
    cli_run out{*code, run->out(), run->err()};
    BOOST_TEST(out.code == 0, out.err);
    return out;
  }

  tls_client client(const std::string& node, const std::string& host = zone_id) {
    return {gateway_ports.at(node), host, ca_pem};
  }
};

inline std::string pack_notes(gateway_zone& gz) {
  auto& zone = gz.zone;
  auto made = zone.cli({"--key", (zone.dir.path / "publisher.key").string(), "key", "create"});
  BOOST_TEST_REQUIRE(made.code == 0, made.err);
  const std::string publisher = made.out.substr(0, made.out.find('\n'));
  const std::filesystem::path source = zone.dir.path / "notes-src";
  std::filesystem::create_directories(source / "bin");
  std::filesystem::copy_file(BUCKY_SAMPLE_NOTES, source / "bin" / "notes", std::filesystem::copy_options::overwrite_existing);
  const std::string manifest = read_file(std::string(BUCKY_SAMPLES_DIR) + "/notes/app.json.in");
  std::ofstream(source / "app.json") << replaced(replaced(manifest, "@PUBLISHER@", publisher), "@VERSION@", "1.0.0");
  const std::string out = (zone.dir.path / "notes.bpkg").string();
  auto packed = zone.cli({"pkg", "pack", source.string(), "--key", (zone.dir.path / "publisher.key").string(), "--out", out});
  BOOST_TEST_REQUIRE(packed.code == 0, packed.err);
  return out;
}

}  // namespace bucky::testing
