// The zone a chaos scenario runs against: N nodes made by the CLI, each serving the
// etcd JSON API, started with BUCKY_FAULT_INJECTION=1 so that the scenario can cut
// links, slow or fill a disk and jump a clock (bucky fault ...), besides kill -9,
// SIGSTOP and restarts. Counts the faults it injects. heal() undoes every fault
// but a clock jump (a clock that jumped stays ahead, as a real one would).
#pragma once

#include <signal.h>
#include <stdlib.h>

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cli_zone.hpp"

namespace bucky::testing {

inline std::vector<std::string> node_names_of(std::size_t size) {
  std::vector<std::string> names;
  for (std::size_t i = 1; i <= size; ++i) names.push_back("n" + std::to_string(i));
  return names;
}

struct chaos_zone : zone_dir {
  std::vector<std::string> names;
  std::map<std::string, std::uint16_t> api_ports;
  std::string token;
  std::set<std::string> paused;
  bool links_or_disks_faulty = false;
  std::size_t faults = 0;

  explicit chaos_zone(std::size_t size) : names(node_names_of(size)) {
    ::setenv("BUCKY_FAULT_INJECTION", "1", 1);  // inherited by the nodes
    std::string state_nodes;
    for (const auto& name : names) state_nodes += (state_nodes.empty() ? "" : ",") + name;
    auto created = cli({"zone", "create", "chaos.test", "--state-nodes", state_nodes, "--out", zone_file});
    BOOST_TEST_REQUIRE(created.code == 0, created.err);
    for (const auto& name : names) {
      api_ports[name] = free_port();
      bring_up(name, api_args(name));
      BOOST_TEST_REQUIRE(nodes[name]->wait_for_log("etcd v3 JSON API on"), nodes[name]->err());
    }
    auto minted = cli({"api-token"});
    BOOST_TEST_REQUIRE(minted.code == 0, minted.err);
    token = minted.out.substr(0, minted.out.find('\n'));
  }

  std::vector<std::string> api_args(const std::string& name) {
    return {"--api-listen", "127.0.0.1:" + std::to_string(api_ports[name])};
  }

  std::string leader() {
    auto status = cli({"--json", "status"});
    auto report = nlohmann::json::parse(status.out, nullptr, false);
    if (report.is_discarded()) return "";
    for (const auto& row : report["nodes"]) {
      if (row.contains("zone_state") && row["zone_state"].value("role", "") == "leader") return row["node"];
    }
    return "";
  }

  bool running(const std::string& name) { return nodes[name] && !nodes[name]->wait_exit(std::chrono::milliseconds(0)).has_value(); }

  void kill(const std::string& name) {
    if (!running(name)) return;
    if (paused.erase(name)) nodes[name]->signal(SIGCONT);
    nodes[name]->signal(SIGKILL);
    nodes[name]->wait_exit();
    ++faults;
  }

  void start(const std::string& name) {
    if (running(name)) return;
    auto args = api_args(name);
    args.insert(args.begin(), {"--data-dir", data(name)});
    nodes[name] = std::make_unique<node_process>(dir.path, args);
  }

  void pause(const std::string& name) {
    if (!running(name) || paused.count(name)) return;
    nodes[name]->signal(SIGSTOP);
    paused.insert(name);
    ++faults;
  }

  void resume_all() {
    for (const auto& name : paused) nodes[name]->signal(SIGCONT);
    paused.clear();
  }

  // bucky fault ...: counted when every node took it.
  bool inject(std::vector<std::string> args) {
    args.insert(args.begin(), "fault");
    auto done = cli(args);
    if (done.code != 0) {
      BOOST_TEST_MESSAGE("bucky fault " << args.at(1) << " failed: " << done.err);
      return false;
    }
    if (args.at(1) != "heal") {
      ++faults;
      links_or_disks_faulty = true;
    }
    return true;
  }
  bool partition(const std::string& groups) { return inject({"partition", groups}); }
  bool disk(const std::string& node, std::uint64_t delay_ms, bool full) {
    std::vector<std::string> args = {"disk", node, "--delay-ms", std::to_string(delay_ms)};
    if (full) args.push_back("--full");
    return inject(args);
  }
  bool clock_jump(const std::string& node, std::uint64_t jump_ms) {
    return inject({"clock", node, "--jump-ms", std::to_string(jump_ms)});
  }
  void heal_links_and_disks() {
    for (int attempt = 0; links_or_disks_faulty && attempt < 20; ++attempt) {
      if (inject({"heal"})) links_or_disks_faulty = false;
      else std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

  void heal() {
    resume_all();
    for (const auto& name : names) start(name);
    heal_links_and_disks();
  }
};

}  // namespace bucky::testing
