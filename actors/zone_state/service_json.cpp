#include "actors/zone_state/service_json.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/packages/package_file.hpp"
#include "actors/zone_fs/fs_access.hpp"
#include "actors/zone_state/json_fields.hpp"
#include "messages/zone_config.hpp"

namespace bucky {

using json = nlohmann::json;
namespace lim = service_limits_max;

const char* to_string(restart_policy policy) {
  switch (policy) {
    case restart_policy::always: return "always";
    case restart_policy::on_failure: return "on-failure";
    case restart_policy::never: return "never";
  }
  return "?";
}

const char* to_string(instance_state state) {
  switch (state) {
    case instance_state::starting: return "starting";
    case instance_state::running: return "running";
    case instance_state::stopping: return "stopping";
    case instance_state::backoff: return "backoff";
    case instance_state::exited: return "exited";
    case instance_state::failed: return "failed";
  }
  return "?";
}

namespace {

bool absolute_path(const std::string& path) { return !path.empty() && path[0] == '/' && path.size() <= lim::path_bytes_max; }

bool valid_env_name(const std::string& name) {
  if (name.empty() || name.size() > 256 || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

void check_spec(json_fields& f, const service_spec& spec) {
  if (!f.ok()) return;
  if (!valid_node_id(spec.name)) return f.fail("name", "must be one DNS label: 1-63 of a-z, 0-9, '-'");
  if (spec.kind != "app" && spec.kind != "kernel") return f.fail("kind", "must be \"app\" or \"kernel\"");
  if (!spec.signed_by.empty() && spec.signed_by != "owner" && !valid_node_id(spec.signed_by)) {
    return f.fail("signed_by", "must be \"owner\" or a user's name");
  }
  if (spec.signature.size() > 128) return f.fail("signature", "is longer than an Ed25519 signature in base64url");
  if (spec.command.empty()) return f.fail("command", "must name the executable: [\"/absolute/path\", args...]");
  if (spec.command.size() > lim::command_args_max) return f.fail("command", fmt::format("has more than {} words", lim::command_args_max));
  if (!absolute_path(spec.command[0])) return f.fail("command", "must start with the absolute path of an executable");
  for (const auto& arg : spec.command) {
    if (arg.size() > lim::arg_bytes_max || arg.find('\0') != std::string::npos) {
      return f.fail("command", fmt::format("has a word longer than {} bytes or with a NUL", lim::arg_bytes_max));
    }
  }
  if (spec.env.size() > lim::env_entries_max) return f.fail("env", fmt::format("has more than {} entries", lim::env_entries_max));
  for (const auto& [name, value] : spec.env) {
    if (!valid_env_name(name)) return f.fail("env", fmt::format("name '{}' is not [A-Za-z_][A-Za-z0-9_]*", name.substr(0, 64)));
    if (value.size() > lim::env_bytes_max || value.find('\0') != std::string::npos) {
      return f.fail("env", fmt::format("value of {} is longer than {} bytes or has a NUL", name, lim::env_bytes_max));
    }
  }
  if (!spec.work_dir.empty() && !absolute_path(spec.work_dir)) return f.fail("work_dir", "must be an absolute path (or \"\")");
  if (spec.instances > lim::instances_max) {
    return f.fail("instances", fmt::format("must be 0..{} (0: stopped)", lim::instances_max));
  }
  for (const auto& node : spec.nodes) {
    if (!valid_node_id(node)) return f.fail("nodes", fmt::format("'{}' is not a node name", node.substr(0, 64)));
  }
  if (std::set<std::string>(spec.nodes.begin(), spec.nodes.end()).size() != spec.nodes.size()) {
    return f.fail("nodes", "names a node twice");
  }
  if (!spec.nodes.empty() && spec.instances > spec.nodes.size()) {
    return f.fail("instances", fmt::format("is {} but \"nodes\" allows only {} (one instance per node)", spec.instances,
                                           spec.nodes.size()));
  }
  if (spec.restart_backoff_ms_min < 1 || spec.restart_backoff_ms_min > spec.restart_backoff_ms_max ||
      spec.restart_backoff_ms_max > lim::backoff_ms_max) {
    return f.fail("restart_backoff_ms_min", fmt::format("must be 1 ≤ min ≤ max ≤ {}", lim::backoff_ms_max));
  }
  if (spec.stop_grace_ms > lim::stop_grace_ms_max) return f.fail("stop_grace_ms", fmt::format("must be ≤ {}", lim::stop_grace_ms_max));
  if (spec.ports.size() > lim::ports_max) return f.fail("ports", fmt::format("has more than {}", lim::ports_max));
  for (auto port : spec.ports) {
    if (port == 0) return f.fail("ports", "must be 1..65535");
  }
}

bool normalized_zone_path(const std::string& path) {
  auto normal = zone_fs::normalize_path(path);
  return normal.has_value() && *normal == path;
}

void check_sandbox(json_fields& f, const app_sandbox& box) {
  if (!f.ok() || box.package.empty()) return;
  if (auto id = packages::check_content_id(box.package); !id.is_ok()) return f.fail("sandbox", id.message());
  if (!normalized_zone_path(box.package_file)) return f.fail("sandbox", "\"package_file\" must be a normalized zone path");
  if (box.uid < lim::app_uid_min || box.uid > lim::app_uid_max) {
    return f.fail("sandbox", fmt::format("\"uid\" must be {}..{}", lim::app_uid_min, lim::app_uid_max));
  }
  if (box.folders.size() > lim::app_folders_max) return f.fail("sandbox", fmt::format("more than {} folders", lim::app_folders_max));
  for (const auto& folder : box.folders) {
    if (!normalized_zone_path(folder.path) || folder.path == "/") {
      return f.fail("sandbox", fmt::format("folder \"{}\" is not a normalized zone path below /", folder.path.substr(0, 64)));
    }
  }
  if (box.services.size() > lim::app_services_max) return f.fail("sandbox", fmt::format("more than {} services", lim::app_services_max));
  for (const auto& service : box.services) {
    if (!valid_node_id(service)) return f.fail("sandbox", fmt::format("service '{}' is not an app name", service.substr(0, 64)));
  }
}

app_sandbox sandbox_from_json(const json& object, json_fields& outer) {
  app_sandbox box;
  json_fields f(object, "service spec: \"sandbox\"");
  f.get("package", box.package, true);
  f.get("package_file", box.package_file, true);
  f.get("uid", box.uid, true);
  f.get("network", box.network);
  f.get("services", box.services);
  if (f.ok() && object.contains("folders")) {
    f.known("folders");
    if (!object["folders"].is_array() || object["folders"].size() > lim::app_folders_max) {
      f.fail("folders", fmt::format("must be a list of at most {}", lim::app_folders_max));
    }
    for (std::size_t i = 0; f.ok() && i < object["folders"].size(); ++i) {
      json_fields one(object["folders"][i], "service spec: \"sandbox\": a folder");
      folder_grant grant;
      one.get("path", grant.path, true);
      one.get("writable", grant.writable);
      one.no_others();
      if (!one.ok()) f.fail("folders", one.error().message());
      box.folders.push_back(std::move(grant));
    }
  }
  f.no_others();
  if (!f.ok()) outer.fail("sandbox", f.error().message());
  return box;
}

json sandbox_json(const app_sandbox& box) {
  json folders = json::array();
  for (const auto& folder : box.folders) folders.push_back({{"path", folder.path}, {"writable", folder.writable}});
  return {{"package", box.package}, {"package_file", box.package_file}, {"uid", box.uid},
          {"folders", folders},     {"network", box.network},           {"services", box.services}};
}

}  // namespace

result<service_spec> service_spec_from_json(const json& object) {
  service_spec spec;
  json_fields f(object, "service spec");
  f.get("name", spec.name, true);
  f.get("kind", spec.kind);
  f.get("command", spec.command, true);
  f.get("env", spec.env);
  f.get("work_dir", spec.work_dir);
  f.get("instances", spec.instances);
  f.get("nodes", spec.nodes);
  std::string restart = to_string(spec.restart);
  f.get("restart", restart);
  if (restart == "always") spec.restart = restart_policy::always;
  else if (restart == "on-failure") spec.restart = restart_policy::on_failure;
  else if (restart == "never") spec.restart = restart_policy::never;
  else f.fail("restart", "must be \"always\", \"on-failure\" or \"never\"");
  f.get("restart_backoff_ms_min", spec.restart_backoff_ms_min);
  f.get("restart_backoff_ms_max", spec.restart_backoff_ms_max);
  f.get("stop_grace_ms", spec.stop_grace_ms);
  f.get("ports", spec.ports);
  f.get("signed_by", spec.signed_by);
  f.get("signature", spec.signature);
  if (f.ok() && object.contains("limits")) {
    json_fields l(object["limits"], "service spec: \"limits\"");
    l.get("memory_bytes_max", spec.limits.memory_bytes_max);
    l.get("cpu_seconds_max", spec.limits.cpu_seconds_max);
    l.get("open_files_max", spec.limits.open_files_max);
    l.no_others();
    if (!l.ok()) return l.error();
  }
  f.known("limits");
  if (f.ok() && object.contains("sandbox")) spec.sandbox = sandbox_from_json(object["sandbox"], f);
  f.known("sandbox");
  f.no_others();
  check_spec(f, spec);
  check_sandbox(f, spec.sandbox);
  if (!f.ok()) return f.error();
  return spec;
}

result<service_spec> parse_service_spec(std::string_view text) {
  auto object = json::parse(text, nullptr, false);
  if (object.is_discarded()) return status(status_code::invalid_argument, "service spec: not JSON");
  return service_spec_from_json(object);
}

json service_spec_json(const service_spec& spec) {
  json out = service_spec_fields_json(spec);
  if (!spec.signed_by.empty()) out["signed_by"] = spec.signed_by;
  if (!spec.signature.empty()) out["signature"] = spec.signature;
  return out;
}

json service_spec_fields_json(const service_spec& spec) {
  json out = {{"name", spec.name},
          {"kind", spec.kind},
          {"command", spec.command},
          {"env", spec.env},
          {"work_dir", spec.work_dir},
          {"instances", spec.instances},
          {"nodes", spec.nodes},
          {"restart", to_string(spec.restart)},
          {"restart_backoff_ms_min", spec.restart_backoff_ms_min},
          {"restart_backoff_ms_max", spec.restart_backoff_ms_max},
          {"stop_grace_ms", spec.stop_grace_ms},
          {"ports", spec.ports},
          {"limits",
           {{"memory_bytes_max", spec.limits.memory_bytes_max},
            {"cpu_seconds_max", spec.limits.cpu_seconds_max},
            {"open_files_max", spec.limits.open_files_max}}}};
  // Only apps have one: the JSON (and so the signature) of a plain service is as before.
  if (!spec.sandbox.package.empty()) out["sandbox"] = sandbox_json(spec.sandbox);
  return out;
}

std::string service_spec_to_json(const service_spec& spec) { return service_spec_json(spec).dump(); }

}  // namespace bucky
