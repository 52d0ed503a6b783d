#include "apps/bucky_inspect/zone_reading.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/scheduler/decision.hpp"
#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"

namespace bucky::inspect {

namespace {

// The element of `list` whose `name` is `name`, added by `make` when there is none.
template <class List, class Make>
auto& named(List& list, const std::string& name, std::string List::value_type::*field, Make make) {
  for (auto& item : list) {
    if (item.*field == name) return item;
  }
  list.push_back(make());
  return list.back();
}

node_view& node_named(zone_snapshot& zone, const std::string& name) {
  return named(zone.nodes, name, &node_view::name, [&] {
    node_view added;
    added.name = name;
    added.error = "not in the zone config";
    return added;
  });
}

instance_view& instance_named(node_view& node, const std::string& id) {
  return named(node.services, id, &instance_view::id, [&] {
    instance_view added;
    added.id = id;
    added.state = "not reported";
    return added;
  });
}

}  // namespace

kv_request zone_state_request() {
  kv_request request;
  request.success.push_back(range_op(system_keys::nodes_prefix, prefix_range_end(system_keys::nodes_prefix)));
  request.success.push_back(range_op(scheduler_leader_key));
  return request;
}

void apply_zone_state(const kv_response& answer, zone_snapshot& zone) {
  if (answer.results.size() != 2) {
    zone.zone_state_error = "unexpected answer from the zone state";
    return;
  }
  for (const auto& kv : answer.results[0].kvs) {
    auto [name, what] = system_keys::split_node_key(kv.key);
    if (name.empty()) continue;
    if (what == "drain") {
      node_named(zone, name).drained = true;
    } else if (what == "config") {
      auto config = parse_node_config(kv.value);
      if (!config) continue;
      auto& node = node_named(zone, name);
      for (const auto& placed : config->instances) instance_named(node, placed.id()).desired = true;
    } else if (what == "status") {
      auto status = parse_node_status(kv.value);
      auto& node = node_named(zone, name);
      node.reports_status = true;
      if (!status) continue;
      for (const auto& s : status->instances) {
        auto& row = instance_named(node, s.id());
        row.state = to_string(s.state);
        row.pid = s.pid;
        row.restarts = s.restarts;
        row.last_exit = s.last_exit;
        row.last_error = s.last_error;
      }
    }
  }
  for (auto& node : zone.nodes) {
    std::sort(node.services.begin(), node.services.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  }
  zone.scheduler = answer.results[1].kvs.empty() ? "" : answer.results[1].kvs[0].value;
}

void summarize_replicas(zone_snapshot& zone) {
  std::map<std::string, int> named;
  for (const auto& n : zone.nodes) {
    if (!n.replica || !n.replica->error.empty()) continue;
    if (!n.replica->leader.empty()) ++named[n.replica->leader];
    zone.ballot = std::max(zone.ballot, n.replica->ballot);
    zone.revision = std::max(zone.revision, n.replica->revision);
  }
  auto most = std::max_element(named.begin(), named.end(), [](auto& a, auto& b) { return a.second < b.second; });
  zone.leader = most == named.end() ? "" : most->first;
}

void apply_files(const fs_reply& df, std::int64_t asked_unix_ms, zone_snapshot& zone) {
  files_view files;
  files.asked_unix_ms = asked_unix_ms;
  files.served_by = df.node_id;
  if (df.error != 0) {
    files.error = fmt::format("{} (errno {})", df.message, df.error);
    zone.files = files;
    return;
  }
  files.files = df.zone.files;
  files.directories = df.zone.directories;
  files.file_bytes = df.zone.file_bytes;
  files.complete = df.zone.complete;
  const auto report = nlohmann::json::parse(df.zone.repair_report, nullptr, false);
  if (report.is_object()) {
    auto figure = [&](const char* field) -> std::int64_t {
      auto found = report.find(field);
      return found != report.end() && found->is_number_integer() ? found->get<std::int64_t>() : -1;
    };
    files.under_replicated = figure("under_replicated");
    files.copies_missing = figure("copies_missing");
    files.lost = figure("lost");
    auto node = report.find("node");
    if (node != report.end() && node->is_string()) files.repair_node = node->get<std::string>();
    if (files.under_replicated < 0) files.repair_problem = "/fs/repair has no under_replicated count";
  } else if (!df.zone.repair_report.empty()) {
    files.repair_problem = "/fs/repair is not a JSON object";
  }
  zone.files = files;
  for (const auto& usage : df.nodes) {
    for (auto& node : zone.nodes) {
      if (node.name != usage.node_id) continue;
      node.chunks = chunk_store_view{usage.reachable, usage.problem, usage.figures.chunks, usage.figures.bytes,
                                     usage.figures.room_bytes, usage.figures.disk_free_bytes, usage.figures.accepting};
    }
  }
}

}  // namespace bucky::inspect
