#include <utility>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"
#include "apps/bucky/json_output.hpp"
#include "apps/bucky/commands.hpp"
#include "apps/bucky/fs_commands.hpp"
#include "messages/kv_watch.hpp"
#include "messages/session_list.hpp"
#include "messages/zone_state_status.hpp"
#include "net/key_file.hpp"
#include "net/zone_config_file.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::cli {

using json = nlohmann::json;

int key_create(const cli_options& options) {
  if (options.key_path.empty()) return fail(2, "--key FILE is required (or set BUCKY_KEY)");
  auto key = net::load_or_create_key_file(options.key_path);
  if (!key) return fail(1, key.error().message());
  std::printf("%s\n", key->public_part().to_text().c_str());
  return 0;
}


json zone_state_summary(const json& rows) {
  std::map<std::string, int> named;
  std::int64_t revision = 0;
  std::uint64_t chosen_max = 0;
  for (const auto& r : rows) {
    if (!r.contains("zone_state") || r["zone_state"].contains("error")) continue;
    const auto& z = r["zone_state"];
    if (!z["leader"].get<std::string>().empty()) ++named[z["leader"].get<std::string>()];
    revision = std::max(revision, z["revision"].get<std::int64_t>());
    chosen_max = std::max(chosen_max, z["chosen_below"].get<std::uint64_t>());
  }
  auto leader = std::max_element(named.begin(), named.end(), [](auto& a, auto& b) { return a.second < b.second; });
  json replicas = json::array();
  for (const auto& r : rows) {
    if (!r.contains("zone_state")) continue;
    const auto& z = r["zone_state"];
    if (z.contains("error")) {
      replicas.push_back({{"node", r["node"]}, {"error", z["error"]}});
      continue;
    }
    auto applied = z["applied_below"].get<std::uint64_t>();
    replicas.push_back({{"node", r["node"]}, {"role", z["role"]}, {"ballot", z["ballot"]},
                        {"chosen_below", z["chosen_below"]}, {"applied", applied},
                        {"lag", chosen_max > applied ? chosen_max - applied : 0}});
  }
  return {{"leader", leader == named.end() ? "" : leader->first}, {"revision", revision}, {"replicas", replicas}};
}

json node_status_json(admin_session& session, const std::string& node, const cli_options& options) {
  const auto* entry = session.peers.node(node);
  json row = {{"node", node}, {"address", fmt::format("{}:{}", entry->host, entry->port)}, {"up", false},
              {"gateway", entry->gateway}};
  auto timeout = std::chrono::milliseconds(options.timeout_ms);
  if (!session.client->connected().count(node)) {
    row["error"] = "no session (node down, unreachable, or it does not list this admin key)";
    return row;
  }
  auto table = session.client->call(node, "daemon", actor_table_request{}, timeout);
  if (!table) {
    row["error"] = table.error().to_string();
    return row;
  }
  row["up"] = true;
  json actors = json::array();
  std::size_t running = 0;
  std::uint64_t restarts = 0;
  for (const auto& actor : table->actors) {
    running += actor.state == actor_state::running;
    restarts += actor.restart_count;
    actors.push_back({{"name", actor.name}, {"state", actor_state_name(actor.state)},
                      {"restarts", actor.restart_count}, {"last_crash", actor.last_crash_reason}});
  }
  row["actors"] = actors;
  row["actors_running"] = running;
  row["restarts"] = restarts;
  row["restart_budget"] = fmt::format("{}/{}", table->restarts_in_period, table->restarts_max);
  std::vector<std::string> peers;
  if (auto sessions = session.client->call(node, "transport", session_list_request{}, timeout)) {
    for (const auto& s : sessions->sessions) {
      if (s.established) peers.push_back(s.peer);
    }
  }
  std::sort(peers.begin(), peers.end());
  row["sessions"] = peers;
  if (std::find(session.kv_nodes.begin(), session.kv_nodes.end(), node) == session.kv_nodes.end()) return row;
  if (auto state = session.client->call(node, "paxos", zone_state_status_request{}, timeout)) {
    row["zone_state"] = {{"role", state->role},
                         {"leader", state->leader},
                         {"ballot", state->ballot_round},
                         {"chosen_below", state->chosen_below},
                         {"applied_below", state->applied_below},
                         {"revision", state->revision}};
  } else {
    row["zone_state"] = {{"error", state.error().to_string()}};
  }
  return row;
}


namespace {

// The zone state as its replicas see it (zone_state_summary), as a table.
void print_zone_state(const json& rows) {
  auto summary = zone_state_summary(rows);
  auto leader = summary["leader"].get<std::string>();
  std::cout << fmt::format("zone state: leader {}, revision {}\n", leader.empty() ? "none" : leader,
                           summary["revision"].get<std::int64_t>());
  std::cout << fmt::format("{:<12} {:<15} {:>7} {:>10} {:>10} {:>6}\n", "REPLICA", "ROLE", "BALLOT", "CHOSEN",
                           "APPLIED", "LAG");
  for (const auto& r : summary["replicas"]) {
    if (r.contains("error")) {
      std::cout << fmt::format("{:<12} {}\n", r["node"].get<std::string>(), r["error"].get<std::string>());
      continue;
    }
    std::cout << fmt::format("{:<12} {:<15} {:>7} {:>10} {:>10} {:>6}\n", r["node"].get<std::string>(),
                             r["role"].get<std::string>(), r["ballot"].get<std::uint64_t>(),
                             r["chosen_below"].get<std::uint64_t>(), r["applied"].get<std::uint64_t>(),
                             r["lag"].get<std::uint64_t>());
  }
}

// The zone file system as the first up node sees it (bucky fs df).
result<fs_reply> zone_files(admin_session& session, const json& rows, const cli_options& options) {
  for (const auto& row : rows) {
    if (!row["up"].get<bool>()) continue;
    fs_request request;
    request.op = fs_op::df;
    request.path = "/";
    auto reply = session.client->call(row["node"].get<std::string>(), "zonefs", request,
                                                std::chrono::milliseconds(std::max<std::uint64_t>(options.timeout_ms, 10'000)));
    if (!reply) return reply.error();
    if (reply->error != 0) return status(status_code::unavailable, "the zone file system: " + reply->message);
    return reply;
  }
  return status(status_code::unavailable, "no node is up to report the zone file system");
}

}  // namespace

int status_command(const cli_options& options) {
  auto session = open_session(options);
  if (!session) return fail(session.error().code() == status_code::invalid_argument ? 2 : 1, session.error().message());
  json rows = json::array();
  bool all_up = true;
  for (const auto& node : session->nodes) {
    rows.push_back(node_status_json(*session, node, options));
    all_up = all_up && rows.back()["up"].get<bool>();
  }
  auto files = zone_files(*session, rows, options);
  if (options.json_output) {
    json out{{"nodes", rows}};
    out["files"] = files ? df_json(*files) : json{{"error", files.error().message()}};
    std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return all_up ? 0 : 1;
  }
  std::cout << fmt::format("zone {}: {} nodes, {} up\n", session->zone_id, rows.size(),
                           std::count_if(rows.begin(), rows.end(), [](const json& r) { return r["up"].get<bool>(); }));
  std::cout << fmt::format("{:<12} {:<22} {:<5} {:<14} {:>8} {:<8} {}\n", "NODE", "ADDRESS", "STATE", "ACTORS",
                           "RESTARTS", "BUDGET", "SESSIONS");
  for (const auto& r : rows) {
    if (!r["up"].get<bool>()) {
      std::cout << fmt::format("{:<12} {:<22} {:<5} {}\n", r["node"].get<std::string>(),
                               r["address"].get<std::string>(), "down", r["error"].get<std::string>());
      continue;
    }
    std::string sessions;
    for (const auto& peer : r["sessions"]) sessions += (sessions.empty() ? "" : ",") + peer.get<std::string>();
    std::cout << fmt::format("{:<12} {:<22} {:<5} {:<14} {:>8} {:<8} {}\n", r["node"].get<std::string>(),
                             r["address"].get<std::string>(), "up",
                             fmt::format("{}/{} running", r["actors_running"].get<std::size_t>(), r["actors"].size()),
                             r["restarts"].get<std::uint64_t>(), r["restart_budget"].get<std::string>(), sessions);
  }
  if (!session->kv_nodes.empty()) print_zone_state(rows);
  if (files) print_df(*files);
  else std::cout << "files: " << files.error().message() << "\n";
  return all_up ? 0 : 1;
}

int ping_command(const cli_options& options) {
  auto session = open_session(options);
  if (!session) return fail(session.error().code() == status_code::invalid_argument ? 2 : 1, session.error().message());
  if (!session->peers.node(options.node)) return fail(2, fmt::format("node '{}' is not in {}", options.node, options.peers_path));
  auto started = std::chrono::steady_clock::now();
  echo_request request{std::vector<std::uint8_t>(options.size_bytes, 0x42), options.via};
  auto reply = session->client->call(options.node, "transport", request, std::chrono::milliseconds(options.timeout_ms));
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!reply) return fail(1, reply.error().to_string());
  std::string path = options.via.empty() ? options.node : options.node + " -> " + options.via;
  if (options.json_output) {
    std::cout << json_text(json{{"path", path}, {"answered_by", reply->node_id}, {"bytes", reply->data.size()}, {"ms", ms}})
              << "\n";
  } else {
    std::cout << fmt::format("{}: answered by {} in {:.2f} ms ({} bytes)\n", path, reply->node_id, ms,
                             reply->data.size());
  }
  return 0;
}


}  // namespace bucky::cli
