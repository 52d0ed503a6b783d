#include "actors/node_loop/resolve.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "actors/zone_state/system_config.hpp"

namespace bucky {

std::map<std::string, stored_spec> specs_from_range(const std::vector<key_value>& kvs) {
  std::map<std::string, stored_spec> out;
  const std::string prefix = system_keys::services_prefix;
  for (const auto& kv : kvs) {
    if (!kv.key.starts_with(prefix) || !kv.key.ends_with("/spec")) continue;
    auto name = kv.key.substr(prefix.size(), kv.key.size() - prefix.size() - 5);
    if (name.empty() || name.find('/') != std::string::npos) continue;
    stored_spec stored;
    stored.mod_revision = kv.mod_revision;
    auto spec = service_spec_document::parse(kv.value);
    if (!spec) stored.error = spec.error().message();
    else if (spec->name != name) stored.error = fmt::format("{} names service {}", kv.key, spec->name);
    else stored.spec = std::move(*spec);
    out[name] = std::move(stored);
  }
  return out;
}

namespace {

// Why this pointer may not run here, or "" when it may.
std::string refusal(const std::string& node_id, const instance_pointer& pointer,
                    const std::map<std::string, stored_spec>& specs, const std::optional<spec_signers>& signers) {
  auto found = specs.find(pointer.service);
  if (found == specs.end()) {
    return fmt::format("no service spec at {}: nothing to run", system_keys::service_spec(pointer.service));
  }
  const auto& stored = found->second;
  if (!stored.spec) return fmt::format("{} is invalid: {}", system_keys::service_spec(pointer.service), stored.error);
  const auto& spec = *stored.spec;
  if (signers) {
    if (auto signed_ok = verify_spec(spec, *signers); !signed_ok.is_ok()) return signed_ok.message();
  }
  if (pointer.instance >= spec.instances) {
    return fmt::format("instance {} of {}, which has {}", pointer.instance, pointer.service, spec.instances);
  }
  if (!spec.nodes.empty() && std::find(spec.nodes.begin(), spec.nodes.end(), node_id) == spec.nodes.end()) {
    return fmt::format("the spec of {} does not allow node {}", pointer.service, node_id);
  }
  return "";
}

}  // namespace

resolved_instances resolve_instances(const std::string& node_id, const node_config& config,
                                     const std::map<std::string, stored_spec>& specs,
                                     const std::optional<spec_signers>& signers) {
  resolved_instances out;
  for (const auto& pointer : config.instances) {
    if (auto why = refusal(node_id, pointer, specs, signers); !why.empty()) {
      out.refused.push_back({pointer, why});
      continue;
    }
    const auto& stored = specs.at(pointer.service);
    // The spec as stored now: a scheduler a step behind cannot hold an old one here.
    out.run.push_back({pointer.service, pointer.instance, stored.mod_revision, *stored.spec});
  }
  std::sort(out.run.begin(), out.run.end(), [](const auto& a, const auto& b) { return a.id() < b.id(); });
  return out;
}

}  // namespace bucky
