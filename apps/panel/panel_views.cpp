// The panel's read-only pages: nodes with the zone state's health, and apps.
#include <map>
#include <set>

#include <fmt/format.h>

#include "actors/packages/app_record.hpp"
#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/service_json.hpp"
#include "actors/zone_state/system_config.hpp"
#include "apps/bucky/commands.hpp"
#include "apps/panel/panel_link.hpp"

namespace bucky::panel {

namespace {

using json = nlohmann::json;

// Every /nodes/<id>/status, by node.
std::map<std::string, node_status> node_statuses(panel_link& link) {
  std::map<std::string, node_status> out;
  kv_request request;
  request.success.push_back(range_op(system_keys::nodes_prefix, prefix_range_end(system_keys::nodes_prefix)));
  auto answer = cli::kv_call(link.session(), link.options, request);
  if (!answer) return out;
  for (const auto& kv : answer->response.results.at(0).kvs) {
    if (!kv.key.ends_with("/status")) continue;
    if (auto parsed = parse_node_status(kv.value)) out[parsed->node_id] = *parsed;
  }
  return out;
}

json instance_json(const instance_status& instance, const std::string& node) {
  return {{"service", instance.service}, {"instance", instance.instance}, {"node", node},
          {"state", to_string(instance.state)}, {"restarts", instance.restarts}, {"last_exit", instance.last_exit},
          {"last_error", instance.last_error}, {"ports", instance.ports}};
}

}  // namespace

gateway::api_answer nodes_view(panel_link& link) {
  auto& session = link.session();
  auto statuses = node_statuses(link);
  std::map<std::string, json> disks;
  if (link.pick_file_node()) {
    fs_request df;
    df.op = fs_op::df;
    df.path = "/";
    std::lock_guard lock(link.files_mutex);
    auto reply = cli::fs_call(link.target, df, link.options.timeout_ms);
    if (reply && reply->error == 0) {
      for (const auto& usage : reply->nodes) {
        const auto& f = usage.figures;
        disks[usage.node_id] = {{"reachable", usage.reachable}, {"problem", usage.problem}, {"chunks", f.chunks},
                                {"used_bytes", f.bytes}, {"room_bytes", f.room_bytes},
                                {"disk_free_bytes", f.disk_free_bytes}, {"accepting", f.accepting}};
      }
    }
  }
  json rows = json::array();
  for (const auto& node : session.nodes) {
    auto row = cli::node_status_json(session, node, link.options);
    bool state = std::find(session.kv_nodes.begin(), session.kv_nodes.end(), node) != session.kv_nodes.end();
    row["role"] = state ? "state" : (row.value("gateway", false) ? "gateway" : "client");
    json services = json::array();
    if (auto found = statuses.find(node); found != statuses.end()) {
      for (const auto& instance : found->second.instances) services.push_back(instance_json(instance, node));
    }
    row["services"] = services;
    if (auto disk = disks.find(node); disk != disks.end()) row["disk"] = disk->second;
    row.erase("actors");
    rows.push_back(row);
  }
  return json_answer({{"nodes", rows}, {"zone_state", cli::zone_state_summary(rows)}});
}

gateway::api_answer apps_view(panel_link& link) {
  kv_request request;
  const std::string prefix = packages::app_keys::apps_prefix;
  request.success.push_back(range_op(prefix, prefix_range_end(prefix)));
  auto answer = cli::kv_call(link.session(), link.options, request);
  if (!answer) return error_answer(answer.error());
  auto statuses = node_statuses(link);
  std::set<std::string> open_to_all;
  {
    kv_request flags;
    const std::string public_prefix = packages::app_keys::public_prefix;
    flags.success.push_back(range_op(public_prefix, prefix_range_end(public_prefix)));
    if (auto read = cli::kv_call(link.session(), link.options, flags)) {
      for (const auto& kv : read->response.results.at(0).kvs) open_to_all.insert(kv.key.substr(public_prefix.size()));
    }
  }
  json apps = json::array();
  for (const auto& kv : answer->response.results.at(0).kvs) {
    auto record = packages::parse_app_record(kv.value);
    if (!record) {
      apps.push_back({{"name", kv.key.substr(prefix.size())}, {"error", record.error().message()}});
      continue;
    }
    json instances = json::array();
    for (const auto& [node, status] : statuses) {
      for (const auto& instance : status.instances) {
        if (instance.service == record->name) instances.push_back(instance_json(instance, node));
      }
    }
    json folders = json::array();
    for (const auto& folder : record->current.grants.folders) {
      folders.push_back({{"path", folder.path}, {"write", folder.writable}});
    }
    apps.push_back({{"name", record->name},
                    {"version", record->current.version},
                    {"previous", record->previous ? record->previous->version : ""},
                    {"uid", record->uid},
                    {"publisher", record->publisher},
                    {"public", open_to_all.count(record->name) > 0},
                    {"stopped", record->stopped},
                    {"grants", {{"folders", folders}, {"network", record->current.grants.network},
                                {"services", record->current.grants.services}}},
                    {"instances", instances}});
  }
  return json_answer({{"apps", apps}});
}

}  // namespace bucky::panel
