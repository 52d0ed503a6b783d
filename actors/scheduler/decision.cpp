#include "actors/scheduler/decision.hpp"

#include <set>

#include <fmt/format.h>

#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"

namespace bucky {

namespace {

kv_op prefix_range(const std::string& prefix) { return range_op(prefix, prefix_range_end(prefix)); }

void read_specs(const kv_op_result& services, scheduler_view& view) {
  for (const auto& kv : services.kvs) {
    auto spec = parse_service_spec(kv.value);
    if (!spec) {
      if (kv.key.size() > 5 && kv.key.compare(kv.key.size() - 5, 5, "/spec") == 0) {
        view.problems.push_back(fmt::format("{}: {}", kv.key, spec.error().message()));
      }
      continue;
    }
    if (kv.key != system_keys::service_spec(spec->name)) continue;
    auto name = spec->name;  // (the right side of = is evaluated first: it moves spec)
    view.input.specs[name] = {std::move(*spec), kv.mod_revision};
  }
}

void read_nodes(const kv_op_result& nodes, scheduler_view& view) {
  for (const auto& kv : nodes.kvs) {
    auto [node, what] = system_keys::split_node_key(kv.key);
    if (node.empty()) continue;
    if (what == "status") {
      view.input.live.insert(node);
    } else if (what == "drain") {
      view.input.drained.insert(node);
    } else if (what == "config") {
      auto config = parse_node_config(kv.value);
      view.config_revisions[node] = kv.mod_revision;
      if (config && config->node_id == node) view.input.current[node] = std::move(*config);
      else view.problems.push_back(fmt::format("{}: rewritten: {}", kv.key, config ? "names another node" : config.error().message()));
    }
  }
}

}  // namespace

kv_request scheduler_read_request() {
  kv_request request;
  request.success.push_back(prefix_range(system_keys::services_prefix));
  request.success.push_back(prefix_range(system_keys::nodes_prefix));
  request.success.push_back(range_op(system_keys::zone_config));
  request.success.push_back(range_op(scheduler_leader_key));
  return request;
}

result<scheduler_view> read_scheduler_view(const kv_response& answer) {
  if (answer.results.size() != 4) {
    return status(status_code::internal, fmt::format("expected 4 range results, got {}", answer.results.size()));
  }
  scheduler_view view;
  read_specs(answer.results[0], view);
  read_nodes(answer.results[1], view);
  if (!answer.results[2].kvs.empty()) {
    auto zone = zone_config_document::parse(answer.results[2].kvs[0].value);
    if (zone) {
      for (const auto& node : zone->config.nodes) {
        if (!node.gateway) view.input.nodes.push_back(node.node_id);  // a gateway node only relays
      }
    } else {
      view.problems.push_back(fmt::format("{}: {}", system_keys::zone_config, zone.error().message()));
    }
  }
  if (answer.results[2].kvs.empty()) {  // no zone config (development nodes): the nodes that report
    std::set<std::string> seen(view.input.live.begin(), view.input.live.end());
    for (const auto& [node, config] : view.input.current) seen.insert(node);
    view.input.nodes.assign(seen.begin(), seen.end());
  }
  if (!answer.results[3].kvs.empty()) {
    view.leader = answer.results[3].kvs[0].value;
    view.leader_create_revision = answer.results[3].kvs[0].create_revision;
  }
  return view;
}

std::map<std::string, node_config> changed_configs(const scheduler_view& view, const placement_output& placed) {
  std::map<std::string, node_config> changed;
  for (const auto& [node, config] : placed.configs) {
    auto current = view.input.current.find(node);
    bool stored = view.config_revisions.count(node) > 0;
    if (current != view.input.current.end() ? current->second == config : (!stored && config.instances.empty())) {
      continue;
    }
    changed[node] = config;
  }
  return changed;
}

kv_request decision_request(const scheduler_view& view, const std::map<std::string, node_config>& changed,
                            std::int64_t held_create_revision) {
  kv_request request;
  request.compares.push_back({scheduler_leader_key, kv_compare_target::create_revision, kv_compare_result::equal, "",
                              held_create_revision});
  for (const auto& [node, config] : changed) {
    auto key = system_keys::node_config(node);
    auto revision = view.config_revisions.count(node) ? view.config_revisions.at(node) : 0;
    request.compares.push_back({key, kv_compare_target::mod_revision, kv_compare_result::equal, "", revision});
    request.success.push_back({kv_op_kind::put, key, "", node_config_to_json(config)});
  }
  request.failure.push_back(range_op(scheduler_leader_key));
  return request;
}

std::string describe_changes(const scheduler_view& view, const std::map<std::string, node_config>& changed) {
  std::string out;
  auto add = [&out](char sign, const std::string& id, const std::string& node) {
    out += fmt::format("{}{}{}@{}", out.empty() ? "" : " ", sign, id, node);
  };
  for (const auto& [node, config] : changed) {
    std::map<std::string, std::int64_t> before;
    if (auto current = view.input.current.find(node); current != view.input.current.end()) {
      for (const auto& instance : current->second.instances) before[instance.id()] = instance.spec_revision;
    }
    for (const auto& instance : config.instances) {
      auto was = before.find(instance.id());
      if (was == before.end()) add('+', instance.id(), node);
      else if (was->second != instance.spec_revision) add('~', instance.id(), node);
      if (was != before.end()) before.erase(was);
    }
    for (const auto& [id, revision] : before) add('-', id, node);
  }
  return out.empty() ? "no instance moved" : out;
}

}  // namespace bucky
