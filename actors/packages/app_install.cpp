#include "actors/packages/app_install.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "actors/zone_state/service_json.hpp"
#include "actors/zone_state/system_config.hpp"
#include "messages/common/check.hpp"

namespace bucky::packages {

namespace {

namespace lim = service_limits_max;

kv_op put_op_of(std::string key, std::string value) {
  kv_op op;
  op.kind = kv_op_kind::put;
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}

kv_op delete_op_of(std::string key) {
  kv_op op;
  op.kind = kv_op_kind::delete_range;
  op.key = std::move(key);
  return op;
}

// The key is at mod_revision `revision` (0: it does not exist).
kv_compare at_revision(std::string key, std::int64_t revision) {
  kv_compare compare;
  compare.key = std::move(key);
  compare.target = kv_compare_target::mod_revision;
  compare.number = revision;
  return compare;
}

const char* access_text(folder_access access) { return access == folder_access::write ? "write" : "read"; }

status not_asked(const std::string& flag, const std::string& what) {
  return status(status_code::invalid_argument,
                fmt::format("--grant {}: the app did not ask for {} (bucky pkg verify shows what it asks for)", flag, what));
}

status grant_one(const app_permissions& asks, const std::string& flag, app_grants& out) {
  if (flag == "network") {
    if (!asks.network) return not_asked(flag, "the network");
    out.network = true;
    return {};
  }
  if (flag.starts_with("service:")) {
    const std::string name = flag.substr(8);
    if (std::find(asks.services.begin(), asks.services.end(), name) == asks.services.end()) return not_asked(flag, "service " + name);
    if (std::find(out.services.begin(), out.services.end(), name) == out.services.end()) out.services.push_back(name);
    return {};
  }
  if (flag.starts_with("/")) {
    const bool read_only = flag.ends_with(":read");
    const std::string path = read_only ? flag.substr(0, flag.size() - 5) : flag;
    auto asked = std::find_if(asks.folders.begin(), asks.folders.end(), [&](const folder_request& f) { return f.path == path; });
    if (asked == asks.folders.end()) return not_asked(flag, "folder " + path);
    std::erase_if(out.folders, [&](const folder_grant& g) { return g.path == path; });
    out.folders.push_back({path, !read_only && asked->access == folder_access::write});
    return {};
  }
  return status(status_code::invalid_argument,
                fmt::format("--grant {}: not a grant (all, network, service:NAME, /FOLDER or /FOLDER:read)", flag));
}

}  // namespace

result<app_grants> grants_from_flags(const app_permissions& asks, const std::vector<std::string>& flags) {
  app_grants out;
  for (const auto& flag : flags) {
    if (flag == "all") {
      out = grants_from_answers(asks, std::vector<bool>(ask_lines(asks).size(), true));
      continue;
    }
    if (auto granted = grant_one(asks, flag, out); !granted.is_ok()) return granted;
  }
  return out;
}

app_grants carry_grants(const app_grants& before, const app_permissions& asks) {
  app_grants out;
  for (const auto& folder : before.folders) {
    auto asked = std::find_if(asks.folders.begin(), asks.folders.end(), [&](const folder_request& f) { return f.path == folder.path; });
    if (asked != asks.folders.end()) out.folders.push_back({folder.path, folder.writable && asked->access == folder_access::write});
  }
  out.network = before.network && asks.network;
  for (const auto& service : before.services) {
    if (std::find(asks.services.begin(), asks.services.end(), service) != asks.services.end()) out.services.push_back(service);
  }
  return out;
}

std::vector<std::string> ask_lines(const app_permissions& asks) {
  std::vector<std::string> out;
  for (const auto& folder : asks.folders) out.push_back(fmt::format("{} the zone folder {}", access_text(folder.access), folder.path));
  if (asks.network) out.push_back("use the network beyond this zone");
  for (const auto& service : asks.services) out.push_back(fmt::format("call the app {}", service));
  return out;
}

app_grants grants_from_answers(const app_permissions& asks, const std::vector<bool>& yes) {
  app_grants out;
  std::size_t at = 0;
  auto next = [&] { return at < yes.size() && yes[at++]; };
  for (const auto& folder : asks.folders) {
    if (next()) out.folders.push_back({folder.path, folder.access == folder_access::write});
  }
  if (asks.network) out.network = next();
  for (const auto& service : asks.services) {
    if (next()) out.services.push_back(service);
  }
  return out;
}

std::optional<std::uint32_t> pick_uid(const std::map<std::uint32_t, std::string>& taken, const std::string& name) {
  for (const auto& [uid, holder] : taken) {
    if (holder == name) return uid;
  }
  for (std::uint32_t uid = lim::app_uid_min; uid <= lim::app_uid_max; ++uid) {
    if (!taken.contains(uid)) return uid;
  }
  return std::nullopt;
}

service_spec app_spec(const app_manifest& manifest, const std::string& content_id, std::uint32_t uid,
                      const app_grants& grants, const std::vector<std::string>& nodes) {
  service_spec spec;
  spec.name = manifest.name;
  spec.kind = "app";
  spec.command = manifest.command;
  spec.command[0] = "/app/" + manifest.command[0];
  spec.instances = 1;
  spec.nodes = nodes;
  spec.restart = restart_policy::always;
  spec.limits.memory_bytes_max = std::uint64_t{manifest.memory_mb} * 1024 * 1024;
  for (const auto& port : manifest.ports) spec.ports.push_back(static_cast<std::uint16_t>(port.port));
  spec.sandbox.package = content_id;
  spec.sandbox.package_file = app_keys::package_file(content_id);
  spec.sandbox.uid = uid;
  spec.sandbox.folders = grants.folders;
  spec.sandbox.network = grants.network;
  spec.sandbox.services = grants.services;
  return spec;
}

kv_request app_change_request(const app_change& change) {
  const auto& name = change.record.name;
  kv_request request;
  request.compares.push_back(at_revision(app_keys::record(name), change.record_revision));
  request.compares.push_back(at_revision(system_keys::service_spec(name), change.spec_revision));
  if (change.new_uid) request.compares.push_back(at_revision(app_keys::uid(change.record.uid), 0));
  request.success.push_back(put_op_of(app_keys::record(name), app_record_json(change.record)));
  request.success.push_back(put_op_of(system_keys::service_spec(name), service_spec_to_json(change.spec)));
  if (change.new_uid) request.success.push_back(put_op_of(app_keys::uid(change.record.uid), name));
  if (change.added) request.success.push_back(put_op_of(app_keys::repo_entry(change.added->name, change.added->version), repo_entry_json(*change.added)));
  return request;
}

kv_request app_public_request(const std::string& name, std::int64_t record_revision, bool on) {
  BUCKY_CHECK(record_revision > 0);
  kv_request request;
  request.compares.push_back(at_revision(app_keys::record(name), record_revision));
  if (on) {
    kv_op put;
    put.kind = kv_op_kind::put;
    put.key = app_keys::public_flag(name);
    put.value = "{\"public\": true}";
    request.success.push_back(std::move(put));
  } else {
    request.success.push_back(delete_op_of(app_keys::public_flag(name)));
  }
  return request;
}

kv_request app_remove_request(const app_record& record, std::int64_t record_revision, std::int64_t spec_revision,
                              bool purge) {
  kv_request request;
  request.compares.push_back(at_revision(app_keys::record(record.name), record_revision));
  request.compares.push_back(at_revision(system_keys::service_spec(record.name), spec_revision));
  request.success.push_back(delete_op_of(app_keys::record(record.name)));
  request.success.push_back(delete_op_of(system_keys::service_spec(record.name)));
  request.success.push_back(delete_op_of(app_keys::public_flag(record.name)));  // reinstalled, it is private again
  if (purge) request.success.push_back(delete_op_of(app_keys::uid(record.uid)));
  return request;
}

}  // namespace bucky::packages
