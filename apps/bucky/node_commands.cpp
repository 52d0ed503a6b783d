#include "apps/bucky/node_commands.hpp"
#include "apps/bucky/json_output.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/activation/actor.hpp"
#include "actors/name_service/actor.hpp"
#include "actors/transport/admin_client.hpp"
#include "net/activation_sign.hpp"
#include "net/key_file.hpp"
#include "net/zone_config_file.hpp"
#include "net/zone_config_sign.hpp"

namespace bucky::cli {

namespace {

struct failure {
  int exit_code;
  std::string message;
};

int node_fail(const failure& f) {
  std::fprintf(stderr, "bucky: %s\n", f.message.c_str());
  return f.exit_code;
}

std::uint64_t now_unix_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// The owner's zone file and key, which must belong together.
struct owner_side {
  net::verified_zone_config zone;
  net::key_pair owner;
};

std::variant<owner_side, failure> open_owner_side(const node_command_options& options) {
  if (options.zone_path.empty()) return failure{2, "--zone FILE (the signed zone config) is required (or set BUCKY_ZONE)"};
  auto zone = net::load_zone_config_file(options.zone_path, std::nullopt);
  if (!zone) return failure{1, zone.error().message()};
  auto key_path = options.owner_key_path.empty() ? default_owner_key_path(zone->config.zone_id) : options.owner_key_path;
  auto owner = net::load_key_file(key_path);
  if (!owner) return failure{1, owner.error().message() + " (the owner key of zone " + zone->config.zone_id + ")"};
  if (owner->public_part().to_text() != zone->config.owner_key) {
    return failure{1, fmt::format("{} is not the owner key of zone {} ({} names owner {})", key_path,
                                  zone->config.zone_id, options.zone_path, zone->config.owner_key)};
  }
  return owner_side{std::move(*zone), std::move(*owner)};
}

// Signs `next` as the zone's new version and keeps it in the owner's zone file.
std::variant<net::verified_zone_config, failure> commit_version(const node_command_options& options,
                                                                const owner_side& side, zone_config next) {
  next.version = side.zone.config.version + 1;
  if (auto update = net::check_zone_update(side.zone.config, next); !update.is_ok()) {
    return failure{1, update.message()};
  }
  auto document = net::sign_zone_config(next, side.owner);
  if (!document) return failure{1, document.error().message()};
  if (auto saved = net::save_zone_config_file(options.zone_path, *document); !saved.is_ok()) {
    return failure{1, saved.message()};
  }
  return net::verified_zone_config{*document, canonical(std::move(next))};
}

struct delivery {
  std::size_t adopted = 0;  // running nodes that took the new version
  bool joined = false;      // the activated node answers as a member
};

// Delivers a new version to every node of `reached` that listens somewhere (except
// `joining`). `reached` is the new config, or the old one when a node leaves (it
// must hear that it is out). A node just activated boots again before the others
// can reach it: the push waits (bounded) for it to answer as a member first.
delivery push_to_nodes(const node_command_options& options, const owner_side& side,
                       const net::verified_zone_config& next, const zone_config& reached,
                       const std::string& joining) {
  delivery out;
  auto peers = net::peer_directory::from_zone_config(reached);
  if (!peers) return out;
  std::set<std::string> targets;
  for (const auto& entry : peers->entries()) {
    if (entry.identity.role == net::peer_identity::kind::node && entry.port != 0 && entry.identity.name != joining) {
      targets.insert(entry.identity.name);
    }
  }
  admin_client client(side.owner, *peers, net::owner_admin_name, next.config.zone_id);
  auto wait = std::chrono::milliseconds(options.timeout_ms);
  if (!joining.empty()) out.joined = client.wait_connected({joining}, wait + std::chrono::seconds(10));
  client.wait_connected(targets, wait);
  for (const auto& node : client.connected()) {
    if (!targets.count(node)) continue;
    auto ack = client.call(node, name_service_actor, zone_config_push{next.document}, wait);
    if (ack && ack->version >= next.config.version) ++out.adopted;
    else if (!ack) std::fprintf(stderr, "bucky: node %s did not adopt version %llu: %s\n", node.c_str(),
                                static_cast<unsigned long long>(next.config.version), ack.error().message().c_str());
  }
  return out;
}

std::optional<failure> check_address(const std::string& flag, const std::string& address) {
  if (!valid_node_address(address)) {
    return failure{2, fmt::format("{} '{}' must be <ip>:<port> (like 127.0.0.1:7101)", flag, address)};
  }
  return std::nullopt;
}

// The zone config with `node_id` on the machine with `key` at `address`; a
// node_id listed with another key moves to the new machine, its old key revoked.
std::variant<zone_config, failure> with_node(zone_config config, const std::string& node_id, const std::string& key,
                                             const std::string& address, bool gateway) {
  if (gateway && std::find(config.state_nodes.begin(), config.state_nodes.end(), node_id) != config.state_nodes.end()) {
    return failure{2, fmt::format("node {} holds a zone-state replica; a gateway node is a public relay and holds "
                                  "none: activate it under another name", node_id)};
  }
  for (const auto& node : config.nodes) {
    if (node.public_key == key && node.node_id != node_id) {
      return failure{1, fmt::format("key {} already belongs to node {}", key, node.node_id)};
    }
  }
  if (std::find(config.revoked_keys.begin(), config.revoked_keys.end(), key) != config.revoked_keys.end()) {
    return failure{1, fmt::format("key {} was revoked: that machine must start from an empty data dir", key)};
  }
  auto listed = std::find_if(config.nodes.begin(), config.nodes.end(),
                             [&](const zone_node& n) { return n.node_id == node_id; });
  if (listed == config.nodes.end()) {
    config.nodes.push_back({node_id, key, address, gateway});
    return config;
  }
  if (listed->public_key != key) config.revoked_keys.push_back(listed->public_key);
  listed->public_key = key;
  listed->address = address;
  listed->gateway = gateway;
  return config;
}

std::variant<activation_reply, failure> send_activation(const node_command_options& options, const owner_side& side,
                                                        const net::verified_zone_config& zone, bool rejoin) {
  activation body;
  body.zone_id = zone.config.zone_id;
  body.node_id = options.node_id;
  body.node_key = options.node_key;
  body.issued_unix_ms = now_unix_ms();
  body.expires_unix_ms = body.issued_unix_ms + options.expires_s * 1'000;
  body.zone = zone.document;
  body.rejoin = rejoin;
  auto request = net::sign_activation(body, side.owner);
  if (!request) return failure{2, request.error().message()};
  auto node_key = net::public_key::from_text(options.node_key);
  auto text = fmt::format("node {} {} {}\n", options.node_id, options.node_key, options.at);
  auto waiting = net::peer_directory::parse(text, "--at/--node-key");
  if (!node_key || !waiting) return failure{2, "--node-key / --at: " + (waiting ? node_key.error() : waiting.error()).message()};
  admin_client client(side.owner, *waiting, net::owner_admin_name, activation_zone_id);
  if (!client.wait_connected({options.node_id}, std::chrono::milliseconds(options.timeout_ms))) {
    return failure{1, fmt::format("no session with the waiting node at {} within {} ms: is bucky-node running there "
                                  "without an identity, and is its key {}?",
                                  options.at, options.timeout_ms, options.node_key)};
  }
  auto reply = client.call(options.node_id, guest_actor, *request, std::chrono::milliseconds(options.timeout_ms));
  if (!reply) return failure{1, fmt::format("the node at {} refused: {}", options.at, reply.error().message())};
  return *reply;
}

}  // namespace

int node_activate(node_command_options options) {
  if (!valid_node_id(options.node_id)) {
    return node_fail({2, fmt::format("node id '{}' must be one DNS label: 1-63 of a-z, 0-9, '-'", options.node_id)});
  }
  if (options.address.empty()) options.address = options.at;
  for (const auto& [flag, value] : {std::pair{"--at", options.at}, std::pair{"--address", options.address}}) {
    if (auto bad = check_address(flag, value)) return node_fail(*bad);
  }
  if (!net::public_key::from_text(options.node_key)) {
    return node_fail({2, "--node-key must be the 43-character key the waiting node printed"});
  }
  if (options.expires_s == 0 || options.expires_s * 1'000 > activation_limits::lifetime_ms_max) {
    return node_fail({2, "--expires-s must be 1..86400"});
  }
  auto opened = open_owner_side(options);
  if (auto* bad = std::get_if<failure>(&opened)) return node_fail(*bad);
  auto& side = std::get<owner_side>(opened);
  auto next = with_node(side.zone.config, options.node_id, options.node_key, options.address, options.gateway);
  if (auto* bad = std::get_if<failure>(&next)) return node_fail(*bad);
  auto zone = side.zone;
  if (canonical(std::get<zone_config>(next)).nodes != side.zone.config.nodes ||
      std::get<zone_config>(next).revoked_keys.size() != side.zone.config.revoked_keys.size()) {
    auto committed = commit_version(options, side, std::get<zone_config>(next));
    if (auto* bad = std::get_if<failure>(&committed)) return node_fail(*bad);
    zone = std::get<net::verified_zone_config>(committed);
  }
  // A state node that was listed before (a replaced machine, or an activation run
  // again) may have voted under its name: its acceptor is rebuilt from f+1 others,
  // never started empty. A name listed for the first time never voted: no peer
  // accepts a replica's message before the zone config names its key, so it votes
  // at once (a zone whose last state node just joined survives losing another).
  const auto& state = zone.config.state_nodes;
  std::size_t others_listed = 0;
  for (const auto& id : state) others_listed += id != options.node_id && zone.config.find(id) != nullptr;
  bool listed_before = side.zone.config.find(options.node_id) != nullptr;
  bool rejoin = listed_before && std::find(state.begin(), state.end(), options.node_id) != state.end() &&
                others_listed >= state.size() / 2 + 1;
  auto reply = send_activation(options, side, zone, rejoin);
  if (auto* bad = std::get_if<failure>(&reply)) return node_fail(*bad);
  auto pushed = push_to_nodes(options, side, zone, zone.config, options.node_id);
  if (options.json_output) {
    std::cout << json_text(nlohmann::json{{"node_id", options.node_id}, {"zone_id", zone.config.zone_id},
                                {"version", zone.config.version}, {"pushed_to", pushed.adopted},
                                {"joined", pushed.joined}}
                     )
              << "\n";
  } else {
    std::cout << fmt::format("node {} activated in zone {} (zone config version {}, kept in {}); {}; {} running "
                             "node(s) took the new version now\n",
                             options.node_id, zone.config.zone_id, zone.config.version, options.zone_path,
                             pushed.joined ? "it answers as a member" : "it does not answer as a member yet (see its log)",
                             pushed.adopted);
  }
  return 0;
}

int node_remove(node_command_options options) {
  auto opened = open_owner_side(options);
  if (auto* bad = std::get_if<failure>(&opened)) return node_fail(*bad);
  auto& side = std::get<owner_side>(opened);
  auto next = side.zone.config;
  const auto& state = next.state_nodes;
  if (std::find(state.begin(), state.end(), options.node_id) != state.end()) {
    return node_fail({1, fmt::format("node {} holds a zone-state replica and stays in the zone; to replace its machine, "
                                "activate a new one under the same name",
                                options.node_id)});
  }
  auto listed = std::find_if(next.nodes.begin(), next.nodes.end(),
                             [&](const zone_node& n) { return n.node_id == options.node_id; });
  if (listed == next.nodes.end()) {
    return node_fail({1, fmt::format("zone {} has no node {}", next.zone_id, options.node_id)});
  }
  auto previous = side.zone;
  next.revoked_keys.push_back(listed->public_key);
  next.nodes.erase(listed);
  auto committed = commit_version(options, side, next);
  if (auto* bad = std::get_if<failure>(&committed)) return node_fail(*bad);
  auto& zone = std::get<net::verified_zone_config>(committed);
  auto pushed = push_to_nodes(options, side, zone, previous.config, "");
  std::cout << fmt::format("node {} removed from zone {} (version {}, its key revoked); {} running node(s) took "
                           "the new version now\n",
                           options.node_id, zone.config.zone_id, zone.config.version, pushed.adopted);
  return 0;
}

int node_list(node_command_options options) {
  if (options.zone_path.empty()) return node_fail({2, "--zone FILE is required (or set BUCKY_ZONE)"});
  auto zone = net::load_zone_config_file(options.zone_path, std::nullopt);
  if (!zone) return node_fail({1, zone.error().message()});
  const auto& config = zone->config;
  std::set<std::string> up;
  auto key_path = options.owner_key_path.empty() ? default_owner_key_path(config.zone_id) : options.owner_key_path;
  auto owner = net::load_key_file(key_path);
  auto peers = net::peer_directory::from_zone_config(config);
  if (owner && peers) {
    admin_client client(*owner, *peers, net::owner_admin_name, config.zone_id);
    std::set<std::string> all;
    for (const auto& node : config.nodes) {
      if (!node.address.empty()) all.insert(node.node_id);
    }
    client.wait_connected(all, std::chrono::milliseconds(options.timeout_ms));
    up = client.connected();
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& node : config.nodes) {
    bool state = std::find(config.state_nodes.begin(), config.state_nodes.end(), node.node_id) !=
                 config.state_nodes.end();
    rows.push_back({{"node_id", node.node_id}, {"address", node.address}, {"public_key", node.public_key},
                    {"state_node", state}, {"gateway", node.gateway}, {"up", up.count(node.node_id) > 0}});
  }
  if (options.json_output) {
    std::cout << json_text(nlohmann::json{{"zone_id", config.zone_id}, {"version", config.version}, {"nodes", rows}})
              << "\n";
    return 0;
  }
  std::cout << fmt::format("zone {} version {}: {} nodes{}\n", config.zone_id, config.version, config.nodes.size(),
                           owner ? "" : " (up/down unknown: no owner key at " + key_path + ")");
  for (const auto& row : rows) {
    std::cout << fmt::format("  {:<16} {:<22} {:<5} {}{}\n", row["node_id"].get<std::string>(),
                             row["address"].get<std::string>(), row["up"].get<bool>() ? "up" : "down",
                             row["public_key"].get<std::string>(),
                             row["state_node"].get<bool>() ? " state" : (row["gateway"].get<bool>() ? " gateway" : ""));
  }
  for (const auto& id : config.state_nodes) {
    if (!config.find(id)) std::cout << fmt::format("  {:<16} (state node, not activated yet)\n", id);
  }
  return 0;
}

}  // namespace bucky::cli
