// bucky: the zone's command line for its owner and admins. It talks to nodes only
// through the authenticated transport: with the owner key to the nodes of a zone
// file (--zone), or with an admin key listed in development nodes' peers files.
//   bucky zone create|show|dns           the owner key and the signed zone config
//   bucky node activate|list|remove      the zone's machines (new config versions)
//   bucky key create --key FILE          make (or show) an admin key
//   bucky status [--json]                every node: up/down, actors, sessions
//   bucky ping NODE [--via NODE]         round trip to a node (or between two)
//   bucky kv put|get|del KEY [VALUE]     the zone state (etcd-like), via any node
//   bucky kv watch KEY [--prefix]        its changes, in order, across node failures
//   bucky kv lease grant|revoke|keepalive  leases; bucky kv put --lease ID attaches keys
// Exit codes: 0 ok, 1 failure (a node down or unreachable), 2 usage.
#include <utility>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/runtime/logging.hpp"
#include "actors/transport/admin_client.hpp"
#include "actors/state_store/kv_machine.hpp"
#include "messages/kv_client.hpp"
#include "messages/kv_watch.hpp"
#include "apps/bucky/node_commands.hpp"
#include "apps/bucky/zone_commands.hpp"
#include "messages/session_list.hpp"
#include "messages/zone_state_status.hpp"
#include "net/key_file.hpp"
#include "net/zone_config_file.hpp"

using namespace bucky;
using json = nlohmann::json;

namespace {

struct cli_options {
  std::string key_path;
  std::string peers_path;
  std::string zone_path;  // the signed zone config: nodes and the owner key
  std::string zone_id = "local";
  std::uint64_t timeout_ms = 3'000;
  bool json_output = false;
  std::string node;
  std::string via;
  std::size_t size_bytes = 16;
  std::string key;
  std::string value;
  bool prefix = false;
  bool serializable = false;
  std::int64_t from_revision = 0;
  std::uint64_t count = 0;  // watch: stop after this many events (0: run until interrupted)
  std::int64_t lease = 0;
  std::int64_t ttl_s = 0;
  bool once = false;
};

std::string env_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "bucky: %s\n", message.c_str());
  return code;
}

int key_create(const cli_options& options) {
  if (options.key_path.empty()) return fail(2, "--key FILE is required (or set BUCKY_KEY)");
  auto key = net::load_or_create_key_file(options.key_path);
  if (!key) return fail(1, key.error().message());
  std::printf("%s\n", key->public_part().to_text().c_str());
  return 0;
}

struct admin_session {
  std::unique_ptr<admin_client> client;
  net::peer_directory peers;
  std::string zone_id;
  std::vector<std::string> nodes;     // every node that listens somewhere
  std::vector<std::string> kv_nodes;  // those holding a zone-state replica
};

// How long to wait for sessions: status wants every node, a kv call one of them.
enum class wait_for { all_nodes, any_node };

// Whom to dial, with which key, in which zone: from the zone file (its nodes; the
// owner key by default) or from a peers file (development nodes).
struct session_plan {
  std::string key_path;
  net::peer_directory peers;
  std::string zone_id;
  std::vector<std::string> state_nodes;  // empty: every node (development nodes)
};

result<session_plan> plan_session(const cli_options& options) {
  if (!options.zone_path.empty()) {
    auto zone = net::load_zone_config_file(options.zone_path, std::nullopt);
    if (!zone) return zone.error();
    auto peers = net::peer_directory::from_zone_config(zone->config);
    if (!peers) return peers.error();
    auto key_path = options.key_path.empty() ? cli::default_owner_key_path(zone->config.zone_id) : options.key_path;
    return session_plan{key_path, std::move(*peers), zone->config.zone_id, zone->config.state_nodes};
  }
  if (options.key_path.empty()) {
    return status(status_code::invalid_argument, "--key FILE is required (or set BUCKY_KEY), or name the zone with --zone FILE");
  }
  if (options.peers_path.empty()) {
    return status(status_code::invalid_argument, "--zone FILE (or BUCKY_ZONE) or --peers FILE (or BUCKY_PEERS) is required");
  }
  auto peers = net::peer_directory::load(options.peers_path);
  if (!peers) return peers.error();
  return session_plan{options.key_path, std::move(*peers), options.zone_id, {}};
}

result<admin_session> open_session(const cli_options& options, wait_for waiting = wait_for::all_nodes) {
  auto plan = plan_session(options);
  if (!plan) return plan.error();
  auto key = net::load_key_file(plan->key_path);
  if (!key) return key.error();
  const auto& peers = plan->peers;
  admin_session session;
  std::string name = "admin";
  if (auto me = peers.authorize(key->public_part())) name = me->name;
  const auto& state = plan->state_nodes;
  for (const auto& entry : peers.entries()) {
    if (entry.identity.role != net::peer_identity::kind::node || entry.port == 0) continue;
    session.nodes.push_back(entry.identity.name);
    if (state.empty() || std::find(state.begin(), state.end(), entry.identity.name) != state.end()) {
      session.kv_nodes.push_back(entry.identity.name);
    }
  }
  if (session.nodes.empty()) {
    return status(status_code::unavailable,
                  fmt::format("zone {} has no activated node yet: activate one with bucky node activate",
                              plan->zone_id));
  }
  session.zone_id = plan->zone_id;
  session.peers = peers;
  session.client = std::make_unique<admin_client>(*key, peers, name, plan->zone_id);
  if (waiting == wait_for::all_nodes) {
    session.client->wait_connected({session.nodes.begin(), session.nodes.end()},
                                   std::chrono::milliseconds(options.timeout_ms));
  } else {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
    while (session.client->connected().empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return session;
}

json node_status(admin_session& session, const std::string& node, const cli_options& options) {
  const auto* entry = session.peers.node(node);
  json row = {{"node", node}, {"address", fmt::format("{}:{}", entry->host, entry->port)}, {"up", false}};
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

// The zone state as its replicas see it: the leader most of them name, the highest
// revision, and each replica's role, ballot and how far it has applied.
void print_zone_state(const json& rows) {
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
  std::cout << fmt::format("zone state: leader {}, revision {}\n", leader == named.end() ? "none" : leader->first,
                           revision);
  std::cout << fmt::format("{:<12} {:<10} {:>7} {:>10} {:>10} {:>6}\n", "REPLICA", "ROLE", "BALLOT", "CHOSEN",
                           "APPLIED", "LAG");
  for (const auto& r : rows) {
    if (!r.contains("zone_state")) continue;
    const auto& z = r["zone_state"];
    if (z.contains("error")) {
      std::cout << fmt::format("{:<12} {}\n", r["node"].get<std::string>(), z["error"].get<std::string>());
      continue;
    }
    auto applied = z["applied_below"].get<std::uint64_t>();
    std::cout << fmt::format("{:<12} {:<10} {:>7} {:>10} {:>10} {:>6}\n", r["node"].get<std::string>(),
                             z["role"].get<std::string>(), z["ballot"].get<std::uint64_t>(),
                             z["chosen_below"].get<std::uint64_t>(), applied,
                             chosen_max > applied ? chosen_max - applied : 0);
  }
}

int status_command(const cli_options& options) {
  auto session = open_session(options);
  if (!session) return fail(session.error().code() == status_code::invalid_argument ? 2 : 1, session.error().message());
  json rows = json::array();
  bool all_up = true;
  for (const auto& node : session->nodes) {
    rows.push_back(node_status(*session, node, options));
    all_up = all_up && rows.back()["up"].get<bool>();
  }
  if (options.json_output) {
    std::cout << json{{"nodes", rows}}.dump(2) << "\n";
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
    std::cout << json{{"path", path}, {"answered_by", reply->node_id}, {"bytes", reply->data.size()}, {"ms", ms}}.dump()
              << "\n";
  } else {
    std::cout << fmt::format("{}: answered by {} in {:.2f} ms ({} bytes)\n", path, reply->node_id, ms,
                             reply->data.size());
  }
  return 0;
}

// Sends one request to the zone state through `node` (or the first reachable node),
// retrying with the same (client, sequence) while no leader is known or the outcome
// is unknown, until --timeout-ms.
result<kv_client_response> kv_call(const cli_options& options, const kv_request& request) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return session.error();
  std::vector<std::string> order = options.node.empty() ? session->kv_nodes : std::vector<std::string>{options.node};
  if (order.empty()) return status(status_code::unavailable, "no zone-state node of the zone is activated yet");
  std::mt19937_64 random(std::random_device{}());
  kv_client_request call{random() | 1, 1, request, options.serializable, 0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
  status last(status_code::unavailable, "no node of the zone is reachable");
  for (std::size_t attempt = 0; std::chrono::steady_clock::now() < deadline; ++attempt) {
    const auto& node = order[attempt % order.size()];
    if (session->client->connected().count(node)) {
      auto answer = session->client->call(node, "paxos", call, std::chrono::milliseconds(options.timeout_ms));
      if (answer && answer->ok) return *answer;
      last = answer ? status(static_cast<status_code>(answer->error_code), answer->error_message) : answer.error();
      if (answer && last.code() != status_code::unavailable && last.code() != status_code::timeout) return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return last;
}

void print_event(const cli_options& options, const kv_event& event) {
  const bool put = event.kind == kv_event_kind::put;
  if (options.json_output) {
    std::cout << json{{"type", put ? "PUT" : "DELETE"}, {"key", event.kv.key}, {"value", event.kv.value},
                      {"mod_revision", event.kv.mod_revision}, {"version", event.kv.version}}
                     .dump()
              << std::endl;
  } else {
    std::cout << (put ? "PUT" : "DELETE") << " " << event.kv.key << " (revision " << event.kv.mod_revision << ")\n";
    if (put) std::cout << event.kv.value << "\n";
    std::cout << std::flush;
  }
}

// Long polls from one node; when that node goes away, the same position at the
// next one: every change is printed once, in order.
int watch_command(const cli_options& options) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail(1, session.error().message());
  std::vector<std::string> order = options.node.empty() ? session->kv_nodes : std::vector<std::string>{options.node};
  if (order.empty()) return fail(1, "no zone-state node of the zone is activated yet");
  kv_watch_request request;
  request.key = options.key;
  if (options.prefix) request.range_end = prefix_range_end(options.key);
  request.start_revision = options.from_revision;
  request.wait_ms = 10'000;
  std::uint64_t printed = 0;
  std::size_t node_index = 0, failures = 0;
  const std::size_t failures_max = 50;  // ~10 s of nobody answering
  while (options.count == 0 || printed < options.count) {
    const auto& node = order[node_index % order.size()];
    auto answer = session->client->call(node, "paxos", request, std::chrono::milliseconds(request.wait_ms + 5'000));
    if (answer && answer->ok) {
      failures = 0;
      for (const auto& event : answer->events) {
        print_event(options, event);
        if (++printed == options.count) break;
      }
      request.start_revision = answer->next_revision;
      request.start_index = answer->next_index;
      continue;
    }
    if (answer && answer->error_code != static_cast<std::uint8_t>(status_code::unavailable)) {
      return fail(1, fmt::format("watch via {}: {}", node, answer->error_message));
    }
    if (++failures > failures_max) {
      return fail(1, fmt::format("watch: no node answered for a while (last: {} via {})",
                                 answer ? answer->error_message : answer.error().message(), node));
    }
    ++node_index;  // try the next node from the same position
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return 0;
}

kv_op make_op(kv_op_kind kind, const cli_options& options) {
  kv_op op;
  op.kind = kind;
  op.key = options.key;
  op.value = options.value;
  op.lease = options.lease;
  op.ttl_s = options.ttl_s;
  if (options.prefix) op.range_end = prefix_range_end(options.key);
  return op;
}

// bucky kv lease grant|revoke|keepalive: prints the lease id and TTL. keepalive
// renews every third of the TTL until interrupted (or once with --once).
int lease_command(const cli_options& options, kv_op_kind kind) {
  kv_request request{{}, {make_op(kind, options)}, {}};
  if (auto valid = validate(request); !valid.is_ok()) return fail(2, valid.message());
  while (true) {
    auto answer = kv_call(options, request);
    if (!answer) return fail(answer.error().code() == status_code::invalid_argument ? 2 : 1, answer.error().to_string());
    const auto& result = answer->response.results.at(0);
    if (options.json_output) {
      std::cout << json{{"lease", result.lease}, {"ttl_s", result.ttl_s}, {"deleted", result.deleted},
                        {"revision", answer->response.revision}}
                       .dump()
                << std::endl;
    } else if (kind == kv_op_kind::lease_revoke) {
      std::cout << fmt::format("lease {} revoked, {} keys deleted\n", result.lease, result.deleted) << std::flush;
    } else {
      std::cout << fmt::format("lease {} ttl {} s\n", result.lease, result.ttl_s) << std::flush;
    }
    if (kind != kv_op_kind::lease_keepalive || options.once) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::max<std::int64_t>(result.ttl_s * 1'000 / 3, 100)));
  }
}

int kv_command(const cli_options& options, kv_op_kind kind) {
  kv_request request{{}, {make_op(kind, options)}, {}};
  if (auto valid = validate(request); !valid.is_ok()) return fail(2, valid.message());
  auto answer = kv_call(options, request);
  if (!answer) return fail(answer.error().code() == status_code::invalid_argument ? 2 : 1, answer.error().to_string());
  const auto& result = answer->response.results.at(0);
  if (options.json_output) {
    json kvs = json::array();
    for (const auto& kv : result.kvs) {
      kvs.push_back({{"key", kv.key}, {"value", kv.value}, {"create_revision", kv.create_revision},
                     {"mod_revision", kv.mod_revision}, {"version", kv.version}});
    }
    std::cout << json{{"revision", answer->response.revision}, {"kvs", kvs}, {"count", result.count},
                      {"deleted", result.deleted}, {"served_by", answer->served_by}}
                     .dump()
              << "\n";
    return kind == kv_op_kind::range && result.count == 0 ? 1 : 0;
  }
  switch (kind) {
    case kv_op_kind::put: std::cout << fmt::format("OK revision {}\n", answer->response.revision); return 0;
    case kv_op_kind::delete_range: std::cout << fmt::format("{} deleted, revision {}\n", result.deleted, answer->response.revision); return 0;
    case kv_op_kind::range:
      for (const auto& kv : result.kvs) std::cout << kv.key << "\n" << kv.value << "\n";
      return result.count == 0 ? 1 : 0;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  cli_options options;
  options.key_path = env_or("BUCKY_KEY", "");
  options.peers_path = env_or("BUCKY_PEERS", "");
  options.zone_path = env_or("BUCKY_ZONE", "");
  CLI::App app{"bucky: manage a BuckyOS zone", "bucky"};
  app.set_version_flag("--version", std::string("bucky ") + BUCKY_VERSION);
  app.require_subcommand(1);
  app.add_option("--key", options.key_path, "admin key file (env BUCKY_KEY)");
  app.add_option("--zone", options.zone_path,
                 "the zone's signed config file: its nodes, and the owner key by default (env BUCKY_ZONE)");
  app.add_option("--peers", options.peers_path, "development nodes: peers file listing them (env BUCKY_PEERS)");
  app.add_option("--zone-id", options.zone_id, "zone name (default local)");
  app.add_option("--timeout-ms", options.timeout_ms, "how long to wait for nodes and answers")->check(CLI::Range(1, 600'000));
  app.add_flag("--json", options.json_output, "machine-readable output");
  auto* key = app.add_subcommand("key", "admin keys");
  key->require_subcommand(1);
  auto* key_create_cmd = key->add_subcommand("create", "create the admin key file if missing; print its public key");
  cli::zone_create_options zone_options;
  std::string zone_file, owner_text;
  auto* zone = app.add_subcommand("zone", "the zone: its owner key and signed zone config");
  zone->require_subcommand(1);
  auto* zone_create_cmd = zone->add_subcommand("create", "create the owner key and version 1 of the signed zone config");
  zone_create_cmd->add_option("zone_id", zone_options.zone_id, "the zone's name, a DNS name like home.example")->required();
  zone_create_cmd->add_option("--owner-key", zone_options.owner_key_path,
                              "where the owner key goes (default ~/.bucky/<zone_id>.owner.key)");
  zone_create_cmd->add_option("--out", zone_options.out_path, "the signed zone config file (default ./<zone_id>.zone)");
  zone_create_cmd
      ->add_option("--state-nodes", zone_options.state_nodes,
                   "the 1, 3 or 5 nodes (by name) that hold the zone state, comma-separated; fixed for the zone's life")
      ->delimiter(',')
      ->required();
  cli::node_command_options node_options;
  auto* node = app.add_subcommand("node", "the zone's machines: activate, list, remove (owner key)");
  node->require_subcommand(1);
  node->add_option("--owner-key", node_options.owner_key_path,
                   "owner key file (default: --key, else ~/.bucky/<zone_id>.owner.key)");
  auto* node_activate_cmd = node->add_subcommand("activate", "add a waiting machine to the zone as NODE_ID (or replace "
                                                             "the dead machine of NODE_ID)");
  node_activate_cmd->add_option("node_id", node_options.node_id, "the node's name in the zone")->required();
  node_activate_cmd->add_option("--at", node_options.at, "where the waiting bucky-node listens, <ip>:<port>")->required();
  node_activate_cmd->add_option("--node-key", node_options.node_key, "the key the waiting bucky-node printed")->required();
  node_activate_cmd->add_option("--address", node_options.address,
                                "where the node listens for the zone, <ip>:<port> (default: --at)");
  node_activate_cmd->add_option("--expires-s", node_options.expires_s, "the activation is void after this (default 600)");
  auto* node_list_cmd = node->add_subcommand("list", "the zone's nodes and whether each answers now");
  auto* node_remove_cmd = node->add_subcommand("remove", "take a node (not a state node) out of the zone; revokes its key");
  node_remove_cmd->add_option("node_id", node_options.node_id, "the node's name")->required();
  auto* zone_show_cmd = zone->add_subcommand("show", "verify a signed zone config file and print it");
  zone_show_cmd->add_option("file", zone_file, "signed zone config file")->required();
  zone_show_cmd->add_option("--owner", owner_text, "the owner key you trust (base64url); default: the one it names");
  cli::zone_fetch_options fetch_options;
  auto* zone_fetch_cmd = zone->add_subcommand("fetch", "look a zone config up in DNS (TXT _bucky.<zone_id>) and verify it");
  zone_fetch_cmd->add_option("zone_id", fetch_options.zone_id, "the zone's name")->required();
  zone_fetch_cmd->add_option("--dns", fetch_options.dns_server, "DNS server to ask, <ip>:<port>")->required();
  zone_fetch_cmd->add_option("--owner", fetch_options.owner_key_text, "the owner key you trust (base64url)");
  zone_fetch_cmd->add_option("--out", fetch_options.out_path, "keep the verified signed config in this file");
  auto* zone_dns_cmd = zone->add_subcommand("dns", "print the DNS TXT record that publishes a zone config");
  zone_dns_cmd->add_option("file", zone_file, "signed zone config file")->required();
  zone_dns_cmd->add_option("--owner", owner_text, "the owner key you trust (base64url); default: the one it names");
  auto* status = app.add_subcommand("status", "show every node of the zone: up/down, actors, sessions");
  auto* ping = app.add_subcommand("ping", "round trip to a node's transport, or from it to another node (--via)");
  ping->add_option("node", options.node, "node to ask")->required();
  ping->add_option("--via", options.via, "the asked node forwards to this node and returns its answer");
  ping->add_option("--size", options.size_bytes, "payload bytes")->check(CLI::Range(0, 1'000'000));
  auto* kv = app.add_subcommand("kv", "the zone state: an etcd-like key-value store");
  kv->require_subcommand(1);
  kv->add_option("--node", options.node, "ask this node (default: any reachable node)");
  auto* kv_put = kv->add_subcommand("put", "write KEY = VALUE (linearizable, through the leader's log)");
  kv_put->add_option("key", options.key, "key")->required();
  kv_put->add_option("value", options.value, "value")->required();
  kv_put->add_option("--lease", options.lease, "attach the key to this lease (deleted when it ends)");
  auto* lease = kv->add_subcommand("lease", "leases: keys that live while someone keeps the lease alive");
  lease->require_subcommand(1);
  auto* lease_grant = lease->add_subcommand("grant", "grant a lease of TTL seconds; prints its id");
  lease_grant->add_option("ttl", options.ttl_s, "time to live in seconds")->required()->check(CLI::Range(1, 604'800));
  auto* lease_revoke = lease->add_subcommand("revoke", "end a lease now, deleting its keys");
  lease_revoke->add_option("id", options.lease, "lease id")->required();
  auto* lease_keepalive = lease->add_subcommand("keepalive", "keep a lease alive (every TTL/3) until interrupted");
  lease_keepalive->add_option("id", options.lease, "lease id")->required();
  lease_keepalive->add_flag("--once", options.once, "renew once and exit");
  auto* kv_get = kv->add_subcommand("get", "read KEY (linearizable unless --serializable); exit 1 if absent");
  kv_get->add_option("key", options.key, "key (or prefix with --prefix)")->required();
  kv_get->add_flag("--prefix", options.prefix, "every key that starts with KEY");
  kv_get->add_flag("--serializable", options.serializable, "read the asked node's applied state, without the log");
  auto* kv_del = kv->add_subcommand("del", "delete KEY (or every key with the prefix)");
  kv_del->add_option("key", options.key, "key")->required();
  kv_del->add_flag("--prefix", options.prefix, "every key that starts with KEY");
  auto* kv_watch = kv->add_subcommand("watch", "print every change of KEY (or the prefix), in order, as it happens");
  kv_watch->add_option("key", options.key, "key")->required();
  kv_watch->add_flag("--prefix", options.prefix, "every key that starts with KEY");
  kv_watch->add_option("--from", options.from_revision, "start at this revision (default: changes after now)")
      ->check(CLI::NonNegativeNumber);
  kv_watch->add_option("--count", options.count, "exit after this many changes (default: run until interrupted)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // help of the subcommand asked about
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(2, fmt::format("{}; see bucky --help", e.what()));
  }
  bucky::logging::init({"bucky", spdlog::level::warn, "", true});
  if (key_create_cmd->parsed()) return key_create(options);
  if (zone_create_cmd->parsed()) {
    zone_options.json_output = options.json_output;
    return cli::zone_create(zone_options);
  }
  node_options.zone_path = options.zone_path;
  if (node_options.owner_key_path.empty()) node_options.owner_key_path = options.key_path;
  node_options.timeout_ms = options.timeout_ms;
  node_options.json_output = options.json_output;
  if (node_activate_cmd->parsed()) return cli::node_activate(node_options);
  if (node_list_cmd->parsed()) return cli::node_list(node_options);
  if (node_remove_cmd->parsed()) return cli::node_remove(node_options);
  if (zone_show_cmd->parsed()) return cli::zone_show(zone_file, owner_text, options.json_output);
  if (zone_dns_cmd->parsed()) return cli::zone_dns(zone_file, owner_text);
  if (zone_fetch_cmd->parsed()) {
    fetch_options.timeout_ms = options.timeout_ms;
    fetch_options.json_output = options.json_output;
    return cli::zone_fetch(fetch_options);
  }
  if (status->parsed()) return status_command(options);
  if (ping->parsed()) return ping_command(options);
  if (kv_put->parsed()) return kv_command(options, kv_op_kind::put);
  if (kv_get->parsed()) return kv_command(options, kv_op_kind::range);
  if (kv_del->parsed()) return kv_command(options, kv_op_kind::delete_range);
  if (kv_watch->parsed()) return watch_command(options);
  if (lease_grant->parsed()) return lease_command(options, kv_op_kind::lease_grant);
  if (lease_revoke->parsed()) return lease_command(options, kv_op_kind::lease_revoke);
  if (lease_keepalive->parsed()) return lease_command(options, kv_op_kind::lease_keepalive);
  return fail(2, "no command; see bucky --help");
}
