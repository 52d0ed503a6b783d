#include "actors/scheduler/placement.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky {

namespace {

bool allowed(const service_spec& spec, const std::string& node, const placement_input& input) {
  if (!input.live.count(node) || input.drained.count(node)) return false;
  if (std::find(input.nodes.begin(), input.nodes.end(), node) == input.nodes.end()) return false;
  return spec.nodes.empty() || std::find(spec.nodes.begin(), spec.nodes.end(), node) != spec.nodes.end();
}

instance_pointer assignment(const std::string& name, std::uint32_t index, const placed_spec& placed) {
  return {name, index, placed.mod_revision};
}

// Rule 3: the instances of `name` that may stay where they are, index -> node.
std::map<std::uint32_t, std::string> kept_instances(const std::string& name, const placed_spec& placed,
                                                    const placement_input& input) {
  std::map<std::uint32_t, std::string> kept;
  std::set<std::string> used;
  for (const auto& [node, config] : input.current) {
    for (const auto& instance : config.instances) {
      if (instance.service != name || instance.instance >= placed.spec.instances) continue;
      if (!allowed(placed.spec, node, input) || used.count(node) || kept.count(instance.instance)) continue;
      kept[instance.instance] = node;
      used.insert(node);
    }
  }
  return kept;
}

// Rule 4: the allowed live node without this service that runs the fewest instances.
std::optional<std::string> least_loaded(const placed_spec& placed, const std::set<std::string>& has_service,
                                        const placement_output& out, const placement_input& input) {
  std::optional<std::string> best;
  std::size_t best_load = 0;
  for (const auto& node : input.nodes) {
    if (!allowed(placed.spec, node, input) || has_service.count(node)) continue;
    auto load = out.configs.at(node).instances.size();
    if (!best || load < best_load || (load == best_load && node < *best)) best = node, best_load = load;
  }
  return best;
}

}  // namespace

placement_output place(const placement_input& input) {
  placement_output out;
  for (const auto& node : input.nodes) out.configs[node].node_id = node;
  for (const auto& [node, config] : input.current) out.configs[node].node_id = node;
  // Kept instances first for every service, so loads are known before new ones go anywhere.
  std::map<std::string, std::map<std::uint32_t, std::string>> placed_at;
  for (const auto& [name, placed] : input.specs) {
    placed_at[name] = kept_instances(name, placed, input);
    for (const auto& [index, node] : placed_at[name]) out.configs[node].instances.push_back(assignment(name, index, placed));
  }
  for (const auto& [name, placed] : input.specs) {
    auto& where = placed_at[name];
    std::set<std::string> has_service;
    for (const auto& [index, node] : where) has_service.insert(node);
    for (std::uint32_t index = 0; index < placed.spec.instances; ++index) {
      if (where.count(index)) continue;
      auto node = least_loaded(placed, has_service, out, input);
      if (!node) {
        out.unplaced.push_back(fmt::format("{}/{}: no allowed live node without an instance of it", name, index));
        continue;
      }
      where[index] = *node;
      has_service.insert(*node);
      out.configs[*node].instances.push_back(assignment(name, index, placed));
    }
  }
  for (auto& [node, config] : out.configs) {
    std::sort(config.instances.begin(), config.instances.end(), [](const auto& a, const auto& b) { return a.id() < b.id(); });
    BUCKY_CHECK(config.instances.empty() || input.live.count(node));
  }
  return out;
}

}  // namespace bucky
