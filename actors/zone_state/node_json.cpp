// node_config and node_status as JSON (declared in service_json.hpp).
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/zone_state/json_fields.hpp"
#include "actors/zone_state/service_json.hpp"
#include "messages/zone_config.hpp"

namespace bucky {

using json = nlohmann::json;

namespace {

result<instance_pointer> pointer_from_json(const json& object, std::size_t index) {
  instance_pointer out;
  json_fields f(object, fmt::format("node config: instance {}", index));
  f.get("service", out.service, true);
  f.get("instance", out.instance, true);
  f.get("spec_revision", out.spec_revision, true);
  f.known("spec");  // written by versions before issue 18; never read, never run
  f.no_others();
  if (!f.ok()) return f.error();
  if (!valid_node_id(out.service)) {  // a service name is one DNS label, like a node id
    return status(status_code::invalid_argument, fmt::format("node config: instance {}: \"service\" is not a service name", index));
  }
  return out;
}

bool by_id(const auto& a, const auto& b) { return a.id() < b.id(); }

// What node configs and statuses share: a node's name and a bounded instance list.
status check_node_and_instances(const std::string& node_id, const json& instances, const char* where) {
  if (!valid_node_id(node_id)) return status(status_code::invalid_argument, fmt::format("{}: \"node_id\" is not a node name", where));
  if (!instances.is_array() || instances.size() > service_limits_max::node_instances_max) {
    return status(status_code::invalid_argument, fmt::format("{}: \"instances\" must be an array of at most {}", where,
                                                             service_limits_max::node_instances_max));
  }
  return {};
}

}  // namespace

result<node_config> parse_node_config(std::string_view text) {
  auto object = json::parse(text, nullptr, false);
  if (object.is_discarded()) return status(status_code::invalid_argument, "node config: not JSON");
  node_config config;
  json instances = json::array();
  json_fields f(object, "node config");
  f.get("node_id", config.node_id, true);
  f.get("instances", instances);
  f.no_others();
  if (!f.ok()) return f.error();
  if (auto checked = check_node_and_instances(config.node_id, instances, "node config"); !checked.is_ok()) return checked;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    auto pointer = pointer_from_json(instances[i], i);
    if (!pointer) return pointer.error();
    config.instances.push_back(std::move(*pointer));
  }
  std::sort(config.instances.begin(), config.instances.end(), by_id<instance_pointer, instance_pointer>);
  auto same = std::adjacent_find(config.instances.begin(), config.instances.end(),
                                 [](const auto& a, const auto& b) { return a.id() == b.id(); });
  if (same != config.instances.end()) {
    return status(status_code::invalid_argument, "node config: instance " + same->id() + " appears twice");
  }
  return config;
}

std::string node_config_to_json(const node_config& config) {
  json instances = json::array();
  for (const auto& a : config.instances) {
    instances.push_back({{"service", a.service}, {"instance", a.instance}, {"spec_revision", a.spec_revision}});
  }
  return json{{"node_id", config.node_id}, {"instances", instances}}.dump();
}

json instance_assignment_json(const instance_assignment& a) {
  return {{"service", a.service}, {"instance", a.instance}, {"spec_revision", a.spec_revision},
          {"spec", service_spec_json(a.spec)}};
}

result<instance_assignment> instance_assignment_from_json(const json& object) {
  instance_assignment out;
  json_fields f(object, "instance");
  f.get("service", out.service, true);
  f.get("instance", out.instance, true);
  f.get("spec_revision", out.spec_revision, true);
  f.known("spec");
  f.no_others();
  if (!f.ok()) return f.error();
  if (!object.contains("spec")) return status(status_code::invalid_argument, "instance: \"spec\" is required");
  auto spec = service_spec_from_json(object["spec"]);
  if (!spec) return spec.error();
  if (spec->name != out.service || out.instance >= spec->instances) {
    return status(status_code::invalid_argument,
                  fmt::format("instance {} has the spec of {} with {} instances", out.id(), spec->name, spec->instances));
  }
  out.spec = std::move(*spec);
  return out;
}

result<node_status> parse_node_status(std::string_view text) {
  auto object = json::parse(text, nullptr, false);
  if (object.is_discarded()) return status(status_code::invalid_argument, "node status: not JSON");
  node_status out;
  json instances = json::array();
  json_fields f(object, "node status");
  f.get("node_id", out.node_id, true);
  f.get("config_revision", out.config_revision);
  f.get("instances", instances);
  f.no_others();
  if (!f.ok()) return f.error();
  if (auto checked = check_node_and_instances(out.node_id, instances, "node status"); !checked.is_ok()) return checked;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    instance_status s;
    std::string state;
    json_fields g(instances[i], fmt::format("node status: instance {}", i));
    g.get("service", s.service, true);
    g.get("instance", s.instance, true);
    g.get("spec_revision", s.spec_revision);
    g.get("state", state, true);
    g.get("pid", s.pid);
    g.get("restarts", s.restarts);
    g.get("last_exit", s.last_exit);
    g.get("last_error", s.last_error);
    g.get("ports", s.ports);
    g.no_others();
    if (!g.ok()) return g.error();
    bool known = false;
    for (auto candidate : {instance_state::starting, instance_state::running, instance_state::stopping,
                           instance_state::backoff, instance_state::exited, instance_state::failed}) {
      if (state == to_string(candidate)) s.state = candidate, known = true;
    }
    if (!known) return status(status_code::invalid_argument, fmt::format("node status: instance {}: unknown state '{}'", i, state));
    out.instances.push_back(std::move(s));
  }
  return out;
}

std::string node_status_to_json(const node_status& status) {
  json instances = json::array();
  for (const auto& s : status.instances) {
    instances.push_back({{"service", s.service}, {"instance", s.instance}, {"spec_revision", s.spec_revision},
                         {"state", to_string(s.state)}, {"pid", s.pid}, {"restarts", s.restarts},
                         {"last_exit", s.last_exit}, {"last_error", s.last_error}, {"ports", s.ports}});
  }
  return json{{"node_id", status.node_id}, {"config_revision", status.config_revision}, {"instances", instances}}.dump();
}

}  // namespace bucky
