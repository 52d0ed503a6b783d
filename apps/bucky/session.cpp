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
#include "apps/bucky/session.hpp"
#include "messages/kv_watch.hpp"
#include "messages/session_list.hpp"
#include "messages/zone_state_status.hpp"
#include "net/key_file.hpp"
#include "net/zone_config_file.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::cli {

namespace {

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

}  // namespace

int fail_with(const status& problem) {
  return fail(problem.code() == status_code::invalid_argument ? 2 : 1, problem.to_string());
}

result<std::int64_t> remove_document(const cli_options& options, const std::string& key, const std::string& what) {
  auto read = kv_call(options, read_document_request(key));
  if (!read) return read.error();
  auto current = read_document_answer(key, read->response);
  if (!current) return current.error();
  if (!*current) return status(status_code::not_found, "no " + what);
  auto answer = kv_call(options, delete_document_request(key, (*current)->mod_revision));
  if (!answer) return answer.error();
  return write_document_answer(key, (*current)->mod_revision, answer->response);
}

std::string default_owner_key_path(const std::string& zone_id) {
  const char* home = std::getenv("HOME");
  return fmt::format("{}/.bucky/{}.owner.key", home && *home ? home : ".", zone_id);
}

cli_options options_from_environment() {
  auto env_or_empty = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value ? value : "");
  };
  cli_options options;
  options.key_path = env_or_empty("BUCKY_KEY");
  options.peers_path = env_or_empty("BUCKY_PEERS");
  options.zone_path = env_or_empty("BUCKY_ZONE");
  return options;
}

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "bucky: %s\n", message.c_str());
  return code;
}


result<admin_session> open_session(const cli_options& options, wait_for waiting) {
  auto plan = plan_session(options);
  if (!plan) return plan.error();
  auto key = net::load_key_file(plan->key_path);
  if (!key) return key.error();
  return open_session_with_key(*key, plan->peers, plan->zone_id, plan->state_nodes, options.timeout_ms, waiting);
}

result<admin_session> open_session_with_key(const net::key_pair& key, const net::peer_directory& peers,
                                            const std::string& zone_id, const std::vector<std::string>& state,
                                            std::uint64_t timeout_ms, wait_for waiting) {
  admin_session session;
  std::string name = "admin";
  if (auto me = peers.authorize(key.public_part())) name = me->name;
  for (const auto& entry : peers.entries()) {
    if (entry.identity.role != net::peer_identity::kind::node || entry.port == 0) continue;
    session.nodes.push_back(entry.identity.name);
    if (state.empty() || std::find(state.begin(), state.end(), entry.identity.name) != state.end()) {
      session.kv_nodes.push_back(entry.identity.name);
    }
  }
  if (session.nodes.empty()) {
    return status(status_code::unavailable,
                  fmt::format("zone {} has no activated node yet: activate one with bucky node activate", zone_id));
  }
  session.zone_id = zone_id;
  session.public_key = key.public_part().to_text();
  session.peers = peers;
  session.client = std::make_unique<admin_client>(key, peers, name, zone_id);
  session.key = key;
  session.name = name;
  if (waiting == wait_for::all_nodes) {
    session.client->wait_connected({session.nodes.begin(), session.nodes.end()}, std::chrono::milliseconds(timeout_ms));
  } else {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (session.client->connected().empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return session;
}

result<kv_client_response> kv_call(const cli_options& options, const kv_request& request) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return session.error();
  return kv_call(*session, options, request);
}

result<kv_client_response> kv_call(admin_session& session_ref, const cli_options& options, const kv_request& request) {
  auto* session = &session_ref;
  std::vector<std::string> order = options.node.empty() ? session->kv_nodes : std::vector<std::string>{options.node};
  if (order.empty()) return status(status_code::unavailable, "no zone-state node of the zone is activated yet");
  std::mt19937_64 random(std::random_device{}());
  kv_client_request call{random() | 1, 1, request, options.serializable, 0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
  status last(status_code::unavailable, "no session with any node");
  for (std::size_t attempt = 0; std::chrono::steady_clock::now() < deadline; ++attempt) {
    const auto& node = order[attempt % order.size()];
    if (session->client->connected().count(node)) {
      // One attempt gets a third of the budget (at least 1 s), never past the
      // deadline: a node that dies under the call leaves time to ask another.
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      auto attempt_timeout = std::min(left, std::max(std::chrono::milliseconds(options.timeout_ms / 3),
                                                     std::chrono::milliseconds(1'000)));
      if (attempt_timeout.count() <= 0) break;
      auto answer = session->client->call(node, "paxos", call, attempt_timeout);
      if (answer && answer->ok) return *answer;
      last = answer ? status(static_cast<status_code>(answer->error_code), answer->error_message) : answer.error();
      if (answer && last.code() != status_code::unavailable && last.code() != status_code::timeout) return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (last.code() != status_code::unavailable) return last;
  return status(status_code::unavailable,
                fmt::format("no node of zone {} answered ({}): they are down, or none admits key {} (the owner "
                            "admits one with: bucky user add NAME --public-key {})",
                            session->zone_id, last.message(), session->public_key, session->public_key));
}

result<std::string> signer_name(admin_session& session, const cli_options& options) {
  if (session.name == net::owner_admin_name) return std::string(net::owner_admin_name);
  kv_request request;
  request.success.push_back(range_op(system_keys::users_prefix, prefix_range_end(system_keys::users_prefix)));
  auto answer = kv_call(session, options, request);
  if (!answer) return answer.error();
  for (const auto& kv : answer->response.results.at(0).kvs) {
    auto user = user_document::parse(kv.value);
    if (user && user->public_key == session.public_key) {
      if (user->role != "admin") {
        return status(status_code::permission_denied,
                      fmt::format("key {} is user {}, a {}: only the owner and admins sign service specs",
                                  session.public_key, user->name, user->role));
      }
      return user->name;
    }
  }
  return status(status_code::permission_denied,
                fmt::format("key {} is neither the owner's nor an admin's: it cannot sign", session.public_key));
}

}  // namespace bucky::cli
