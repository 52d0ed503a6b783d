#include "actors/fault_injector/partition.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace bucky {

namespace {

constexpr std::size_t groups_max = 64;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

}  // namespace

result<std::map<std::string, std::set<std::string>>> partition_blocks(const std::vector<std::string>& zone_nodes,
                                                                      const std::string& groups) {
  auto bad = [&](const std::string& why) {
    return status(status_code::invalid_argument,
                  fmt::format("partition '{}': {}; write groups of node names like n1,n2|n3", groups, why));
  };
  std::set<std::string> known(zone_nodes.begin(), zone_nodes.end());
  std::vector<std::set<std::string>> sides;
  std::set<std::string> named;
  for (const auto& group : split(groups, '|')) {
    if (sides.size() == groups_max) return bad(fmt::format("more than {} groups", groups_max));
    if (group.empty()) return bad("an empty group");
    std::set<std::string> side;
    for (const auto& node : split(group, ',')) {
      if (node.empty()) return bad("an empty node name");
      if (!known.count(node)) return bad(fmt::format("{} is not a node of the zone ({})", node, fmt::join(zone_nodes, ",")));
      if (!side.insert(node).second) return bad(fmt::format("{} twice in one group", node));
      named.insert(node);
    }
    sides.push_back(std::move(side));
  }
  if (sides.size() < 2) return bad("one group is no partition (bucky fault heal ends one)");
  std::vector<std::string> missing;
  std::set_difference(known.begin(), known.end(), named.begin(), named.end(), std::back_inserter(missing));
  if (!missing.empty()) return bad(fmt::format("{} not in any group", fmt::join(missing, ",")));
  std::map<std::string, std::set<std::string>> blocks;
  for (const auto& node : zone_nodes) {
    auto& blocked = blocks[node];
    for (const auto& other : zone_nodes) {
      bool together = other == node || std::any_of(sides.begin(), sides.end(), [&](const auto& side) {
                        return side.count(node) && side.count(other);
                      });
      if (!together) blocked.insert(other);
    }
  }
  return blocks;
}

}  // namespace bucky
