#include <utility>

#include "apps/bucky/json_output.hpp"
#include "apps/bucky/fault_commands.hpp"

#include <cstdio>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/fault_injector/actor.hpp"
#include "actors/fault_injector/partition.hpp"
#include "messages/fault.hpp"

namespace bucky::cli {

namespace {

// Sends each node its request; prints one line per node (or JSON); 1 when any
// node did not take it.
int send_to_nodes(const cli_options& options, admin_session& session,
                  const std::map<std::string, fault_request>& requests) {
  auto timeout = std::chrono::milliseconds(options.timeout_ms);
  nlohmann::json rows = nlohmann::json::array();
  int code = 0;
  for (const auto& [node, request] : requests) {
    nlohmann::json row = {{"node", node}};
    auto answer = session.client->connected().count(node)
                      ? session.client->call(node, fault_injector_actor, request, timeout)
                      : result<fault_state>(status(status_code::unavailable, "no session (node down?)"));
    if (!answer) {
      auto why = answer.error().message();
      // The transport's words for a node that runs no `faults` actor.
      if (why.find(fmt::format("no actor '{}'", fault_injector_actor)) != std::string::npos) {
        why = "it was not started with BUCKY_FAULT_INJECTION=1 (faults are for test zones only)";
      }
      row["error"] = why;
    } else if (!answer->error.empty()) {
      row["error"] = answer->error;
    } else {
      row["faults"] = answer->faults;
    }
    if (row.contains("error")) code = 1;
    rows.push_back(row);
  }
  if (options.json_output) {
    std::cout << json_text(nlohmann::json{{"nodes", rows}}) << "\n";
    return code;
  }
  for (const auto& row : rows) {
    auto node = row["node"].get<std::string>();
    if (row.contains("error")) std::fprintf(stderr, "bucky: %s: %s\n", node.c_str(), row["error"].get<std::string>().c_str());
    else std::printf("%s: %s\n", node.c_str(), row["faults"].get<std::string>().c_str());
  }
  return code;
}

int to_every_node(const cli_options& options, const std::function<fault_request(const std::string&)>& make) {
  auto session = open_session(options, wait_for::all_nodes);
  if (!session) return fail_with(session.error());
  std::map<std::string, fault_request> requests;
  for (const auto& node : session->nodes) requests[node] = make(node);
  return send_to_nodes(options, *session, requests);
}

int to_one_node(const cli_options& options, const std::string& node, fault_request request) {
  auto session = open_session(options, wait_for::all_nodes);
  if (!session) return fail_with(session.error());
  if (std::find(session->nodes.begin(), session->nodes.end(), node) == session->nodes.end()) {
    return fail(2, fmt::format("{} is not a node of zone {}", node, session->zone_id));
  }
  return send_to_nodes(options, *session, {{node, std::move(request)}});
}

}  // namespace

int fault_partition(const cli_options& options, const fault_options& fault) {
  auto session = open_session(options, wait_for::all_nodes);
  if (!session) return fail_with(session.error());
  auto blocks = partition_blocks(session->nodes, fault.groups);
  if (!blocks) return fail_with(blocks.error());
  std::map<std::string, fault_request> requests;
  for (const auto& [node, blocked] : *blocks) {
    fault_request request;
    request.what = fault_request::kind::block;
    request.blocked = {blocked.begin(), blocked.end()};
    requests[node] = request;
  }
  return send_to_nodes(options, *session, requests);
}

int fault_heal(const cli_options& options) {
  return to_every_node(options, [](const std::string&) {
    fault_request request;
    request.what = fault_request::kind::heal;
    return request;
  });
}

int fault_disk(const cli_options& options, const fault_options& fault) {
  fault_request request;
  request.what = fault_request::kind::disk;
  request.disk_delay_ms = fault.delay_ms;
  request.disk_full = fault.full;
  return to_one_node(options, fault.node, request);
}

int fault_clock(const cli_options& options, const fault_options& fault) {
  if (fault.jump_ms == 0) return fail(2, "--jump-ms must be at least 1 (a clock jumps forward)");
  fault_request request;
  request.what = fault_request::kind::clock_jump;
  request.clock_jump_ms = fault.jump_ms;
  return to_one_node(options, fault.node, request);
}

int fault_show(const cli_options& options) {
  return to_every_node(options, [](const std::string&) { return fault_request{}; });
}

}  // namespace bucky::cli
