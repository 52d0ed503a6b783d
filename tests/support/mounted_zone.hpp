// A zone of real bucky-node processes made by the CLI, each node mounting the
// zone file system (FUSE) in the zone's directory; for the mount and chaos tests.
// Needs root and /dev/fuse: fuse_usable() says so and the test stops without them.
#pragma once

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/cli_zone.hpp"

namespace bucky::testing {

using namespace std::chrono_literals;

inline bool fuse_usable() {
  if (::geteuid() == 0 && ::access("/dev/fuse", R_OK | W_OK) == 0) return true;
  BOOST_TEST_MESSAGE("SKIPPED: the FUSE tests need root and /dev/fuse (CI has both); this run has "
                     << (::geteuid() == 0 ? "no usable /dev/fuse" : "no root"));
  return false;
}

struct mounted_zone : zone_dir {
  // `per_node`: more flags for one node (its own ports, say), kept for its restarts.
  using node_flags = std::function<std::vector<std::string>(const std::string& name)>;
  // `in_netns`: the network namespace the nodes and the CLI run in ("": this one).
  explicit mounted_zone(std::vector<std::string> names = {"n1", "n2", "n3"}, std::vector<std::string> extra = {},
                        node_flags per_node = {}, std::string in_netns = "")
      : per_node_(std::move(per_node)) {
    netns = std::move(in_netns);
    std::string state_nodes;
    for (const auto& name : names) state_nodes += (state_nodes.empty() ? "" : ",") + name;
    auto created = cli({"zone", "create", "home.test", "--state-nodes", state_nodes, "--out", zone_file});
    BOOST_TEST_REQUIRE(created.code == 0, created.err);
    for (const auto& name : names) bring_up(name, args(name, extra));
    for (const auto& name : names) {  // the zone state first needs a majority of them
      BOOST_TEST_REQUIRE(nodes[name]->wait_for_log("zone fs: mounted", 30s), nodes[name]->err());
    }
    wait_every_node_holds(names.size());
  }

  // Until the zone's storage view lists `count` nodes that answer (the zone config
  // in the zone state names every activated node): before, a zone that had fewer
  // than R nodes when a file was written keeps fewer copies of it, by design.
  void wait_every_node_holds(std::size_t count) {
    std::string last;
    const bool all = node_process::wait_for(
        [&] {
          auto df = cli({"fs", "df", "--json"});
          last = df.out + df.err;
          auto parsed = nlohmann::json::parse(df.out, nullptr, false);
          if (df.code != 0 || !parsed.is_object() || !parsed["nodes"].is_array()) return false;
          std::size_t answering = 0;
          for (const auto& node : parsed["nodes"]) answering += node.value("reachable", false) ? 1 : 0;
          return answering == count;
        },
        30s);
    BOOST_TEST_REQUIRE(all, "the zone's nodes never all answered fs df:\n" << last);
  }
  // Nodes stop (each unmounts); a mount a killed node left is detached.
  ~mounted_zone() {
    for (auto& [name, node] : nodes) {
      if (node) node->signal(SIGTERM);
    }
    for (auto& [name, node] : nodes) {
      if (node) (void)node->wait_exit();
      ::umount2(mount(name).c_str(), MNT_DETACH);
    }
  }

  std::string mount(const std::string& name) const { return (dir.path / ("mnt-" + name)).string(); }

  std::vector<std::string> args(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> out{"--mount", mount(name)};
    out.insert(out.end(), extra.begin(), extra.end());
    if (per_node_) {
      auto more = per_node_(name);
      out.insert(out.end(), more.begin(), more.end());
    }
    return out;
  }
  node_flags per_node_;

  // Starts a node again on its data dir (it is a member already).
  void restart(const std::string& name) {
    restart_async(name);
    wait_mounted(name);
  }
  void restart_async(const std::string& name) {
    auto argv = args(name);
    argv.insert(argv.begin(), {"--data-dir", data(name)});
    nodes[name] = spawn_in(netns, dir.path, argv);
  }
  void wait_mounted(const std::string& name) {
    BOOST_TEST_REQUIRE(nodes[name]->wait_for_log("zone fs: mounted", 60s), nodes[name]->err());
  }

  // Runs a bash script (set -euo pipefail) in the zone dir; its output on failure.
  void sh(const std::string& script) {
    const auto file = dir.path / "script.sh";
    const auto log = dir.path / "script.log";
    std::ofstream(file) << "set -euxo pipefail\ncd '" << dir.path.string() << "'\n" << script << "\n";
    const int code = std::system(("bash '" + file.string() + "' >'" + log.string() + "' 2>&1").c_str());
    std::ifstream in(log);
    std::string output((std::istreambuf_iterator<char>(in)), {});
    BOOST_TEST_REQUIRE(code == 0, "script failed (" << code << "):\n" << script << "\n--- output:\n" << output
                                                     << "\n--- the nodes' warnings:\n" << node_warnings());
  }

  // The last warnings and errors each node logged (what a failed script ran into).
  std::string node_warnings(std::size_t lines_per_node_max = 12) {
    std::string out;
    for (auto& [name, node] : nodes) {
      if (!node) continue;
      std::vector<std::string> kept;
      std::istringstream lines(node->err());
      for (std::string line; std::getline(lines, line);) {
        if (line.find(" warning [") == std::string::npos && line.find(" error [") == std::string::npos && line.find(" critical [") == std::string::npos) continue;
        kept.push_back(line.substr(0, 400));
        if (kept.size() > lines_per_node_max) kept.erase(kept.begin());
      }
      for (const auto& line : kept) out += name + ": " + line + "\n";
    }
    return out;
  }

  nlohmann::json repair_report() {
    auto got = cli({"kv", "get", "/fs/repair"});
    if (got.code != 0) return {};
    const auto brace = got.out.find('{');
    return brace == std::string::npos ? nlohmann::json{} : nlohmann::json::parse(got.out.substr(brace), nullptr, false);
  }
};

inline std::size_t chunk_files(const std::string& data_dir) {
  std::size_t count = 0;
  std::error_code error;
  for (auto at = std::filesystem::recursive_directory_iterator(data_dir + "/chunks", error); at != std::filesystem::recursive_directory_iterator();
       at.increment(error)) {
    if (at->is_regular_file() && at->path().filename().string().size() == 64) ++count;
  }
  return count;
}

}  // namespace bucky::testing
