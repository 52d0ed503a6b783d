#include "apps/bucky/zone_commands.hpp"
#include "apps/bucky/zone_tls.hpp"
#include "apps/bucky/session.hpp"

#include "apps/bucky/node_commands.hpp"
#include "apps/bucky/json_output.hpp"

#include <charconv>
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
#include "net/zone_config_dns.hpp"
#include "net/zone_config_file.hpp"
#include "net/zone_config_sign.hpp"
#include "net/zone_config_txt.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::cli {

namespace {

nlohmann::json to_json(const zone_config& config) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& node : config.nodes) {
    nodes.push_back({{"node_id", node.node_id}, {"public_key", node.public_key}, {"address", node.address}, {"gateway", node.gateway}});
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
  auto ca_path = ensure_zone_ca(options.owner_key_path, options.zone_id);
  if (!ca_path) return fail(1, "the zone's certificate authority: " + ca_path.error().message());
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
    std::cout << json_text(nlohmann::json{{"zone_id", config.zone_id},
                                {"owner_key", config.owner_key},
                                {"owner_key_file", options.owner_key_path},
                                {"ca_cert_file", *ca_path},
                                {"zone_config_file", options.out_path},
                                {"version", config.version},
                                {"state_nodes", config.state_nodes}}
                     )
              << "\n";
  } else {
    std::cout << fmt::format("zone {} created\n  owner key {} in {} (keep it safe and off the nodes)\n"
                             "  certificate authority in {} (its key beside it; devices install the .pem)\n"
                             "  signed zone config version 1 in {}; state nodes {} (activate them with bucky node "
                             "activate)\n",
                             config.zone_id, config.owner_key, options.owner_key_path, *ca_path, options.out_path,
                             fmt::join(config.state_nodes, ","));
  }
  return 0;
}

// A signed zone config file, verified (under the pinned owner when one is given).
// On failure: the exit code and the message.
std::variant<net::verified_zone_config, std::pair<int, std::string>> load_verified(const std::string& path,
                                                                                  const std::string& owner_key_text) {
  std::optional<net::public_key> pinned;
  if (!owner_key_text.empty()) {
    auto key = net::public_key::from_text(owner_key_text);
    if (!key) return std::pair{2, "--owner: " + key.error().message()};
    pinned = *key;
  }
  auto loaded = net::load_zone_config_file(path, pinned);
  if (!loaded) return std::pair{1, loaded.error().message()};
  return std::move(*loaded);
}

void print_config(const zone_config& config, bool json_output) {
  if (json_output) {
    std::cout << json_text(to_json(config)) << "\n";
    return;
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
}

int zone_show(const std::string& path, const std::string& owner_key_text, bool json_output) {
  auto loaded = load_verified(path, owner_key_text);
  if (auto* error = std::get_if<std::pair<int, std::string>>(&loaded)) return fail(error->first, error->second);
  print_config(std::get<net::verified_zone_config>(loaded).config, json_output);
  return 0;
}

int zone_fetch(const zone_fetch_options& options) {
  auto colon = options.dns_server.rfind(':');
  if (colon == std::string::npos || colon == 0) return fail(2, "--dns must be <ip>:<port> of a DNS server");
  // Issue 18: std::stoul here ended the CLI on a 20-digit port.
  auto port_text = options.dns_server.substr(colon + 1);
  std::uint32_t port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    return fail(2, fmt::format("--dns {}: the port must be 1..65535 (<ip>:<port> of a DNS server)",
                               options.dns_server.substr(0, 80)));
  }
  std::optional<net::public_key> pinned;
  if (!options.owner_key_text.empty()) {
    auto key = net::public_key::from_text(options.owner_key_text);
    if (!key) return fail(2, "--owner: " + key.error().message());
    pinned = *key;
  }
  auto document = net::fetch_zone_config_dns(options.dns_server.substr(0, colon), static_cast<std::uint16_t>(port),
                                             options.zone_id, options.timeout_ms);
  if (!document) return fail(1, document.error().message());
  auto config = net::verify_zone_config(*document, pinned);
  if (!config) return fail(1, "the zone config found in DNS: " + config.error().message());
  if (config->zone_id != options.zone_id) {
    return fail(1, fmt::format("DNS answered with the config of zone {}, not {}", config->zone_id, options.zone_id));
  }
  if (!options.out_path.empty()) {
    if (auto saved = net::save_zone_config_file(options.out_path, *document); !saved.is_ok()) {
      return fail(1, saved.message());
    }
  }
  print_config(*config, options.json_output);
  return 0;
}

int zone_dns(const std::string& path, const std::string& owner_key_text) {
  auto loaded = load_verified(path, owner_key_text);
  if (auto* error = std::get_if<std::pair<int, std::string>>(&loaded)) return fail(error->first, error->second);
  const auto& [document, config] = std::get<net::verified_zone_config>(loaded);
  std::cout << "; publish in the DNS zone of " << config.zone_id << " (version " << config.version << ")\n";
  std::cout << net::zone_config_txt_name(config.zone_id) << ". 3600 IN TXT";
  for (const auto& s : net::zone_config_txt_strings(document)) std::cout << " \"" << s << "\"";
  std::cout << "\n";
  return 0;
}

}  // namespace bucky::cli
