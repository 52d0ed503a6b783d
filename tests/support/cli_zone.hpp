// A zone made the way a person makes one, for process tests: a directory with the
// owner's HOME and zone file, `bucky` run as the owner, and bucky-node processes
// started waiting and activated by the CLI (bring_up).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace bucky::testing {

struct cli_run {
  int code = -1;
  std::string out, err;
};

// A zone directory: the owner's HOME, the zone file, and nodes by name.
struct zone_dir {
  temp_dir dir;
  std::string netns;  // the network namespace its nodes and CLI run in ("": this one)
  std::string zone_file = (dir.path / "zone").string();
  std::map<std::string, std::uint16_t> ports;
  std::map<std::string, std::unique_ptr<node_process>> nodes;

  cli_run cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--zone", zone_file, "--timeout-ms", "5000"});
    auto run = spawn_in(netns, dir.path, std::move(args), {"HOME=" + (dir.path / "home").string()}, BUCKY_CLI_BINARY);
    auto code = run->wait_exit(std::chrono::seconds(60));
    BOOST_TEST_REQUIRE(code.has_value());
    return {*code, run->out(), run->err()};
  }

  std::string data(const std::string& name) const { return (dir.path / ("data-" + name)).string(); }

  std::string address(const std::string& name) {
    if (!ports.count(name)) ports[name] = free_port();
    return "127.0.0.1:" + std::to_string(ports[name]);
  }

  std::string key_of(const std::string& data_dir) {
    node_process run(dir.path, {"--data-dir", data_dir, "--print-key"});
    BOOST_TEST_REQUIRE((run.wait_exit() == std::optional<int>(0)));
    auto out = run.out();
    return out.substr(0, out.find('\n'));
  }

  // bucky-node on an empty data dir, waiting for its activation.
  node_process& start_waiting(const std::string& name, const std::string& data_dir,
                              std::vector<std::string> extra = {}) {
    auto& node = nodes[name];
    node.reset();
    std::vector<std::string> args{"--data-dir", data_dir, "--listen", address(name)};
    args.insert(args.end(), extra.begin(), extra.end());
    node = spawn_in(netns, dir.path, args);
    BOOST_TEST_REQUIRE(node->wait_for_out("not activated yet"), node->err());
    return *node;
  }

  cli_run activate(const std::string& name, const std::string& data_dir) {
    return cli({"node", "activate", name, "--at", address(name), "--node-key", key_of(data_dir)});
  }

  void bring_up(const std::string& name, std::vector<std::string> extra = {}) {
    start_waiting(name, data(name), std::move(extra));
    auto activated = activate(name, data(name));
    BOOST_TEST_REQUIRE(activated.code == 0, activated.err);
    BOOST_TEST_REQUIRE(nodes[name]->wait_for_log("boot: zone config: version"), nodes[name]->err());
  }

  std::string get(const std::string& key, const std::string& node = "") {
    std::vector<std::string> args{"kv"};
    if (!node.empty()) args.insert(args.end(), {"--node", node});
    args.insert(args.end(), {"get", key});
    if (!node.empty()) args.push_back("--serializable");
    auto got = cli(args);
    return got.code == 0 ? got.out : "(exit " + std::to_string(got.code) + ": " + got.err + ")";
  }
};

}  // namespace bucky::testing
