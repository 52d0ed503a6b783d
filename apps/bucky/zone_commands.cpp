#include "apps/bucky/zone_commands.hpp"

#include "apps/bucky/node_commands.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <variant>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "messages/codec.hpp"
#include "net/key_file.hpp"
#include "net/zone_config_sign.hpp"
#include "net/zone_config_txt.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::cli {

namespace {

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "bucky: %s\n", message.c_str());
  return code;
}

nlohmann::json to_json(const zone_config& config) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& node : config.nodes) {
    nodes.push_back({{"node_id", node.node_id}, {"public_key", node.public_key}, {"address", node.address}});
  }
  return {{"zone_id", config.zone_id},         {"owner_key", config.owner_key}, {"version", config.version},
          {"nodes", nodes},                    {"state_nodes", config.state_nodes},
          {"revoked_keys", config.revoked_keys}};
}

}  // namespace

int zone_create(zone_create_options options) {
  if (!valid_zone_id(options.zone_id)) {
    return fail(2, fmt::format("zone id \"{}\" must be a DNS name of lowercase labels (a-z, 0-9, -), like "
                               "home.example",
                               options.zone_id));
  }
  auto n = options.state_nodes.size();
  if (n != 1 && n != 3 && n != 5) {
    return fail(2, fmt::format("--state-nodes names {} nodes; a zone state needs 1, 3 or 5 (like --state-nodes "
                               "nas,desktop,mini), fixed for the zone's life",
                               n));
  }
  for (const auto& id : options.state_nodes) {
    if (!valid_node_id(id)) return fail(2, fmt::format("--state-nodes: '{}' must be one DNS label (a-z, 0-9, -)", id));
  }
  if (options.owner_key_path.empty()) options.owner_key_path = default_owner_key_path(options.zone_id);
  if (options.out_path.empty()) options.out_path = options.zone_id + ".zone";
  if (std::filesystem::exists(options.owner_key_path)) {
    return fail(1, fmt::format("{} exists already: a zone's owner key is made once (use it, or choose another "
                               "--owner-key path)",
                               options.owner_key_path));
  }
  if (std::filesystem::exists(options.out_path)) {
    return fail(1, fmt::format("{} exists already; move it away or pass --out", options.out_path));
  }
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(options.owner_key_path).parent_path(), ignored);
  auto owner = net::load_or_create_key_file(options.owner_key_path);
  if (!owner) return fail(1, owner.error().message());
  zone_config config;
  config.zone_id = options.zone_id;
  config.owner_key = owner->public_part().to_text();
  config.version = 1;
  config.state_nodes = options.state_nodes;
  auto document = net::sign_zone_config(config, *owner);
  if (!document) return fail(1, document.error().message());
  auto bytes = encode(*document);
  auto written = write_file_atomically(options.out_path, std::string(bytes.begin(), bytes.end()), 0644);
  if (!written.is_ok()) return fail(1, written.message());
  if (options.json_output) {
    std::cout << nlohmann::json{{"zone_id", config.zone_id},
                                {"owner_key", config.owner_key},
                                {"owner_key_file", options.owner_key_path},
                                {"zone_config_file", options.out_path},
                                {"version", config.version},
                                {"state_nodes", config.state_nodes}}
                     .dump()
              << "\n";
  } else {
    std::cout << fmt::format("zone {} created\n  owner key {} in {} (keep it safe and off the nodes)\n"
                             "  signed zone config version 1 in {}; state nodes {} (activate them with bucky node "
                             "activate)\n",
                             config.zone_id, config.owner_key, options.owner_key_path, options.out_path,
                             fmt::join(config.state_nodes, ","));
  }
  return 0;
}

// A signed zone config file, verified (under the pinned owner when one is given).
// On failure: the exit code and the message.
struct loaded_config {
  signed_zone_config document;
  zone_config config;
};

std::variant<loaded_config, std::pair<int, std::string>> load_verified(const std::string& path,
                                                                       const std::string& owner_key_text) {
  auto bytes = read_small_file(path);
  if (!bytes) return std::pair{1, bytes.error().message()};
  auto document = decode<signed_zone_config>(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()));
  if (!document) return std::pair{1, fmt::format("{}: not a signed zone config: {}", path, document.error().message())};
  std::optional<net::public_key> pinned;
  if (!owner_key_text.empty()) {
    auto key = net::public_key::from_text(owner_key_text);
    if (!key) return std::pair{2, "--owner: " + key.error().message()};
    pinned = *key;
  }
  auto config = net::verify_zone_config(*document, pinned);
  if (!config) return std::pair{1, fmt::format("{}: {}", path, config.error().message())};
  return loaded_config{*document, *config};
}

int zone_show(const std::string& path, const std::string& owner_key_text, bool json_output) {
  auto loaded = load_verified(path, owner_key_text);
  if (auto* error = std::get_if<std::pair<int, std::string>>(&loaded)) return fail(error->first, error->second);
  const auto& config = std::get<loaded_config>(loaded).config;
  if (json_output) {
    std::cout << to_json(config).dump() << "\n";
    return 0;
  }
  std::cout << fmt::format("zone {} version {} (signature valid; owner {})\n", config.zone_id, config.version,
                           config.owner_key);
  for (const auto& node : config.nodes) {
    bool state = std::find(config.state_nodes.begin(), config.state_nodes.end(), node.node_id) !=
                 config.state_nodes.end();
    std::cout << fmt::format("  {:<16} {:<22} {} {}\n", node.node_id, node.address.empty() ? "-" : node.address,
                             node.public_key, state ? "state" : "");
  }
  if (config.nodes.empty()) std::cout << "  no nodes yet: activate one with bucky node activate\n";
  return 0;
}

int zone_dns(const std::string& path, const std::string& owner_key_text) {
  auto loaded = load_verified(path, owner_key_text);
  if (auto* error = std::get_if<std::pair<int, std::string>>(&loaded)) return fail(error->first, error->second);
  const auto& [document, config] = std::get<loaded_config>(loaded);
  std::cout << "; publish in the DNS zone of " << config.zone_id << " (version " << config.version << ")\n";
  std::cout << net::zone_config_txt_name(config.zone_id) << ". 3600 IN TXT";
  for (const auto& s : net::zone_config_txt_strings(document)) std::cout << " \"" << s << "\"";
  std::cout << "\n";
  return 0;
}

}  // namespace bucky::cli
