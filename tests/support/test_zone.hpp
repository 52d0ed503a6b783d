// The zone the DNS tests serve: home.example, owner key(100), version 3, nodes nas
// (IPv4, the state node) and mini (IPv6), then any `extra` nodes; signed and verified.
#pragma once

#include <optional>
#include <vector>

#include "net/zone_config_sign.hpp"
#include "tests/support/test_keys.hpp"

namespace bucky::testing {

inline net::verified_zone_config test_zone(std::vector<zone_node> extra = {}) {
  auto owner = key(100);
  zone_config config;
  config.zone_id = "home.example";
  config.owner_key = owner.public_part().to_text();
  config.version = 3;
  config.nodes.push_back({"nas", key(1).public_part().to_text(), "192.168.1.10:7101"});
  config.nodes.push_back({"mini", key(2).public_part().to_text(), "[fd00::2]:7101"});
  for (auto& node : extra) config.nodes.push_back(std::move(node));
  config.state_nodes = {"nas"};
  auto document = *net::sign_zone_config(config, owner);
  return {document, *net::verify_zone_config(document, std::nullopt)};
}

}  // namespace bucky::testing
