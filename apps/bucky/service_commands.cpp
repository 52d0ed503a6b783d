#include "apps/bucky/service_commands.hpp"
#include "apps/bucky/json_output.hpp"

#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/signed_documents.hpp"
#include "actors/zone_state/system_config.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::cli {

namespace {

using json = nlohmann::json;

result<service_spec> spec_from_options(const service_options& o) {
  if (!o.file.empty()) {
    auto text = read_small_file(o.file);
    if (!text) return text.error();
    auto spec = parse_service_spec(*text);
    if (!spec) return status(spec.error().code(), o.file + ": " + spec.error().message());
    if (!o.name.empty() && spec->name != o.name) {
      return status(status_code::invalid_argument, fmt::format("{} names service {}, not {}", o.file, spec->name, o.name));
    }
    return spec;
  }
  service_spec spec;
  spec.name = o.name;
  spec.kind = o.kind;
  spec.command = o.command;
  spec.instances = o.instances;
  spec.nodes = o.nodes;
  spec.work_dir = o.work_dir;
  spec.ports = o.ports;
  spec.limits.memory_bytes_max = o.memory_mb * 1024 * 1024;
  for (const auto& entry : o.env) {
    auto equals = entry.find('=');
    if (equals == std::string::npos) return status(status_code::invalid_argument, "--env " + entry + ": expected NAME=VALUE");
    spec.env[entry.substr(0, equals)] = entry.substr(equals + 1);
  }
  // The restart name and every limit are checked by the one parser the zone state uses.
  auto json_spec = service_spec_json(spec);
  json_spec["restart"] = o.restart;
  return service_spec_from_json(json_spec);
}

// Specs, node configs and statuses in one linearizable read.
struct zone_services {
  std::map<std::string, versioned<service_spec>> specs;
  std::map<std::string, node_config> configs;
  std::map<std::string, node_status> statuses;
};

result<zone_services> read_services(const cli_options& options, admin_session* session = nullptr) {
  kv_request request;
  request.success.push_back(range_op(system_keys::services_prefix, prefix_range_end(system_keys::services_prefix)));
  request.success.push_back(range_op(system_keys::nodes_prefix, prefix_range_end(system_keys::nodes_prefix)));
  auto answer = session ? kv_call(*session, options, request) : kv_call(options, request);
  if (!answer) return answer.error();
  zone_services out;
  for (const auto& kv : answer->response.results.at(0).kvs) {
    if (auto spec = parse_service_spec(kv.value); spec && kv.key == system_keys::service_spec(spec->name)) {
      auto name = spec->name;
      out.specs[name] = {std::move(*spec), kv.mod_revision};
    }
  }
  for (const auto& kv : answer->response.results.at(1).kvs) {
    if (auto config = parse_node_config(kv.value); config && kv.key == system_keys::node_config(config->node_id)) {
      auto node = config->node_id;
      out.configs[node] = std::move(*config);
    } else if (auto status = parse_node_status(kv.value); status && kv.key == system_keys::node_status(status->node_id)) {
      auto node = status->node_id;
      out.statuses[node] = std::move(*status);
    }
  }
  return out;
}

// One row per desired instance: where the scheduler put it and what its node says.
json instance_rows(const zone_services& zone, const std::string& only) {
  json rows = json::array();
  for (const auto& [name, spec] : zone.specs) {
    if (!only.empty() && name != only) continue;
    for (std::uint32_t index = 0; index < spec.value.instances; ++index) {
      auto id = fmt::format("{}/{}", name, index);
      json row = {{"service", name}, {"instance", index}, {"node", ""}, {"state", "unplaced"}, {"pid", 0},
                  {"restarts", 0}, {"last_exit", ""}, {"last_error", ""}, {"spec_revision", spec.mod_revision},
                  {"ports", json::array()}};
      for (const auto& [node, config] : zone.configs) {
        for (const auto& placed : config.instances) {
          if (placed.id() != id) continue;
          row["node"] = node;
          row["state"] = zone.statuses.count(node) ? "pending" : "node down";
        }
      }
      if (auto status = zone.statuses.find(row["node"].get<std::string>()); status != zone.statuses.end()) {
        for (const auto& s : status->second.instances) {
          if (s.id() != id) continue;
          bool current = s.spec_revision == spec.mod_revision;
          row.update({{"state", current ? to_string(s.state) : "updating"}, {"pid", s.pid}, {"restarts", s.restarts},
                      {"last_exit", s.last_exit}, {"last_error", s.last_error}, {"ports", s.ports}});
        }
      }
      rows.push_back(row);
    }
  }
  return rows;
}

void print_rows(const json& rows) {
  std::cout << fmt::format("{:<16} {:<4} {:<10} {:<10} {:>8} {:>8}  {:<12} {}\n", "SERVICE", "#", "NODE", "STATE", "PID",
                           "RESTARTS", "PORTS", "LAST EXIT / ERROR");
  for (const auto& row : rows) {
    auto last = row["last_error"].get<std::string>().empty() ? row["last_exit"].get<std::string>()
                                                             : row["last_error"].get<std::string>();
    std::string ports;
    for (const auto& port : row["ports"]) ports += (ports.empty() ? "" : ",") + std::to_string(port.get<int>());
    std::cout << fmt::format("{:<16} {:<4} {:<10} {:<10} {:>8} {:>8}  {:<12} {}\n", row["service"].get<std::string>(),
                             row["instance"].get<int>(), row["node"].get<std::string>(), row["state"].get<std::string>(),
                             row["pid"].get<std::int64_t>(), row["restarts"].get<int>(), ports.empty() ? "-" : ports, last);
  }
}


}  // namespace

// --wait: until every instance of `name` runs its current spec, or the deadline.
int wait_running(admin_session& session, const cli_options& options, const std::string& name, std::uint64_t wait_ms,
                 std::chrono::steady_clock::time_point started) {
  auto deadline = started + std::chrono::milliseconds(wait_ms);
  json rows;
  while (std::chrono::steady_clock::now() < deadline) {
    auto zone = read_services(options, &session);
    if (zone) {
      rows = instance_rows(*zone, name);
      bool all = !rows.empty();
      for (const auto& row : rows) all = all && row["state"] == "running";
      if (all) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        std::cout << fmt::format("{}: {} of {} instances running {} ms after the spec was written\n", name, rows.size(),
                                 rows.size(), ms.count());
        return 0;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!rows.is_null()) print_rows(rows);
  return fail(1, fmt::format("{}: not every instance runs after {} ms (bucky service status {})", name, wait_ms, name));
}


int service_add(const cli_options& options, const service_options& service) {
  auto spec = spec_from_options(service);
  if (!spec) return fail(2, spec.error().message());
  auto key = system_keys::service_spec(spec->name);
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  auto signer = signer_name(*session, options);
  if (!signer) return fail_with(signer.error());
  sign_spec(*spec, *signer, *session->key);  // nodes run only specs the owner or an admin signed
  auto written_at = std::chrono::steady_clock::now();
  auto answer = kv_call(*session, options, write_typed<service_spec_document>(spec->name, *spec, service.revision));
  if (!answer) return fail_with(answer.error());
  auto written = write_document_answer(key, service.revision, answer->response);
  if (!written) {
    return fail(1, service.revision == 0 ? fmt::format("service {} exists ({}); to change it, give its revision "
                                                       "(bucky service list) with --revision", spec->name,
                                                       written.error().message())
                                         : written.error().message());
  }
  std::cout << fmt::format("service {} {} at revision {}\n", spec->name, service.revision == 0 ? "added" : "replaced",
                           *written);
  return service.wait_ms == 0 ? 0 : wait_running(*session, options, spec->name, service.wait_ms, written_at);
}

int service_remove(const cli_options& options, const service_options& service) {
  auto removed = remove_document(options, system_keys::service_spec(service.name),
                                 "service " + service.name + " (bucky service list shows them)");
  if (!removed) return fail(1, removed.error().message());
  std::cout << fmt::format("service {} removed at revision {}: its instances stop\n", service.name, *removed);
  return 0;
}

int service_list(const cli_options& options) {
  auto zone = read_services(options);
  if (!zone) return fail_with(zone.error());
  json rows = json::array();
  for (const auto& [name, spec] : zone->specs) {
    rows.push_back({{"name", name}, {"revision", spec.mod_revision}, {"spec", service_spec_json(spec.value)}});
  }
  if (options.json_output) {
    std::cout << json_text(json{{"services", rows}}) << "\n";
    return 0;
  }
  if (rows.empty()) std::cout << "no services (bucky service add NAME -- /path/to/program args)\n";
  for (const auto& [name, spec] : zone->specs) {
    std::string command;
    for (const auto& word : spec.value.command) command += (command.empty() ? "" : " ") + word;
    std::cout << fmt::format("{:<16} rev {:<6} {} × {:<10} {:<11} {}\n", name, spec.mod_revision, spec.value.instances,
                             spec.value.nodes.empty() ? "any node" : fmt::format("{}", fmt::join(spec.value.nodes, ",")),
                             to_string(spec.value.restart), command.substr(0, 80));
  }
  return 0;
}

int service_status(const cli_options& options, const service_options& service) {
  auto zone = read_services(options);
  if (!zone) return fail_with(zone.error());
  if (!service.name.empty() && !zone->specs.count(service.name)) return fail(1, "no service " + service.name);
  auto rows = instance_rows(*zone, service.name);
  if (options.json_output) {
    std::cout << json_text(json{{"instances", rows}}) << "\n";
    return 0;
  }
  if (rows.empty()) std::cout << "no services\n";
  else print_rows(rows);
  return 0;
}

int node_drain(const cli_options& options, const std::string& node, bool drained) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  if (std::find(session->nodes.begin(), session->nodes.end(), node) == session->nodes.end()) {
    return fail(2, fmt::format("zone {} has no node '{}' (its nodes: {})", session->zone_id, node,
                               fmt::join(session->nodes, ", ")));
  }
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  auto answer = kv_call(*session, options, node_drain_request(node, drained, now_ms));
  if (!answer) return fail_with(answer.error());
  std::cout << (drained ? fmt::format("{} drained: the scheduler moves its services to other nodes and places none "
                                      "there (bucky node undrain {} lets them back)\n", node, node)
                        : fmt::format("{} undrained: new instances may be placed there again\n", node));
  return 0;
}

}  // namespace bucky::cli
