// Three bucky-node processes on 127.0.0.1 with keys made by --print-key and one
// peers file (with an admin key) shared by all; stopped with SIGTERM at the end.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "actors/runtime/logging.hpp"
#include "net/peer_directory.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/test_keys.hpp"
#include "tests/support/temp_dir.hpp"

namespace bucky::testing {

inline net::key_pair admin_key(std::uint8_t value) { return key(value); }

struct process_zone {
  temp_dir work{"bucky-zone"};
  std::vector<std::string> ids = {"n1", "n2", "n3"};
  std::map<std::string, std::uint16_t> ports;
  std::map<std::string, std::unique_ptr<node_process>> nodes;
  net::peer_directory directory;
  std::vector<std::string> env;  // added to every node's environment ("NAME=value")

  explicit process_zone(std::vector<std::string> node_ids = {"n1", "n2", "n3"}) : ids(std::move(node_ids)) {
    BOOST_TEST_REQUIRE(logging::init({"admin", spdlog::level::warn, "", true}).is_ok());
    std::string peers;
    for (auto& id : ids) {
      ports[id] = free_port();
      node_process key(work.path, {"--data-dir", data_dir(id), "--print-key"});
      BOOST_TEST_REQUIRE((key.wait_exit() == 0));
      auto text = key.out().substr(0, 43);
      peers += fmt::format("node {} {} 127.0.0.1:{}\n", id, text, ports[id]);
    }
    peers += fmt::format("admin operator {}\n", admin_key(200).public_part().to_text());
    for (auto& id : ids) std::ofstream(fs::path(data_dir(id)) / "peers") << peers;
    auto parsed = net::peer_directory::parse(peers, "test peers");
    BOOST_TEST_REQUIRE(parsed.has_value());
    directory = *parsed;
  }

  ~process_zone() {
    for (auto& [id, node] : nodes) {
      if (!node) continue;
      node->signal(SIGTERM);
      BOOST_TEST((node->wait_exit() == 0), id << " did not stop cleanly: " << node->err());
    }
  }

  std::string data_dir(const std::string& id) { return (work.path / id).string(); }

  void start(const std::string& id, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--data-dir", data_dir(id), "--node-id", id, "--listen",
                                  fmt::format("127.0.0.1:{}", ports[id])};
    args.insert(args.end(), extra.begin(), extra.end());
    nodes[id] = std::make_unique<node_process>(work.path, args, env);
    BOOST_TEST_REQUIRE(nodes[id]->wait_for_log("child 'transport' running"), nodes[id]->err());
  }
};

}  // namespace bucky::testing
