#include "messages/zone_config.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace bucky {

namespace {

bool label_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool valid_label(std::string_view label) {
  return !label.empty() && label.size() <= zone_limits::node_id_bytes_max && label.front() != '-' &&
         label.back() != '-' && std::all_of(label.begin(), label.end(), label_char);
}

bool key_text(const std::string& key) {
  return key.size() == 43 && std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

}  // namespace

bool valid_node_id(std::string_view node_id) { return valid_label(node_id); }

// ip:port with a dotted IPv4 address or a bracketed IPv6 one; port 1..65535.
bool valid_node_address(const std::string& address) {
  if (address.size() > zone_limits::address_bytes_max) return false;
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  auto port = address.substr(colon + 1);
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), digit)) return false;
  auto number = std::stoul(port);
  if (number == 0 || number > 65535) return false;
  auto host = address.substr(0, colon);
  if (host.front() == '[') return host.back() == ']' && host.size() > 2;
  int dots = 0;
  for (char c : host) {
    if (c == '.') ++dots;
    else if (!digit(c)) return false;
  }
  return dots == 3;
}


bool valid_zone_id(const std::string& zone_id) {
  if (zone_id.empty() || zone_id.size() > zone_limits::zone_id_bytes_max) return false;
  std::size_t start = 0;
  while (true) {
    auto dot = zone_id.find('.', start);
    auto label = zone_id.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!valid_label(label)) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

const zone_node* zone_config::find(const std::string& node_id) const {
  for (const auto& node : nodes) {
    if (node.node_id == node_id) return &node;
  }
  return nullptr;
}

zone_config canonical(zone_config config) {
  std::sort(config.nodes.begin(), config.nodes.end(),
            [](const zone_node& a, const zone_node& b) { return a.node_id < b.node_id; });
  std::sort(config.state_nodes.begin(), config.state_nodes.end());
  std::sort(config.revoked_keys.begin(), config.revoked_keys.end());
  return config;
}

status validate(const zone_config& config) {
  auto bad = [](std::string what) { return status(status_code::invalid_argument, "zone config: " + what); };
  if (!valid_zone_id(config.zone_id)) {
    return bad(fmt::format("zone_id \"{}\" is not a DNS name of lowercase labels (a-z, 0-9, -)",
                           config.zone_id.substr(0, 64)));
  }
  if (!key_text(config.owner_key)) return bad("owner_key is not a 43-character base64url Ed25519 key");
  if (config.version == 0) return bad("version must be 1 or more");
  if (config.nodes.size() > zone_limits::nodes_max) {
    return bad(fmt::format("{} nodes; at most {}", config.nodes.size(), zone_limits::nodes_max));
  }
  if (config.revoked_keys.size() > zone_limits::revoked_keys_max) {
    return bad(fmt::format("{} revoked keys; at most {}", config.revoked_keys.size(), zone_limits::revoked_keys_max));
  }
  std::set<std::string> ids, keys, revoked(config.revoked_keys.begin(), config.revoked_keys.end());
  for (const auto& key : config.revoked_keys) {
    if (!key_text(key)) return bad("a revoked key is not a 43-character base64url Ed25519 key");
  }
  for (const auto& node : config.nodes) {
    auto where = fmt::format("node \"{}\"", node.node_id.substr(0, 64));
    if (!valid_node_id(node.node_id)) return bad(where + ": node_id must be one DNS label (a-z, 0-9, -; 1-63)");
    if (!ids.insert(node.node_id).second) return bad(where + " is listed twice");
    if (!key_text(node.public_key)) return bad(where + ": public_key is not a 43-character base64url Ed25519 key");
    if (!keys.insert(node.public_key).second) return bad(where + ": its public_key is also another node's");
    if (revoked.count(node.public_key)) return bad(where + ": its public_key is revoked");
    if (node.public_key == config.owner_key) return bad(where + ": a node may not use the owner key");
    if (!node.address.empty() && !valid_node_address(node.address)) {
      return bad(where + ": address \"" + node.address.substr(0, 64) + "\" is not ip:port");
    }
  }
  std::set<std::string> state(config.state_nodes.begin(), config.state_nodes.end());
  if (state.size() != config.state_nodes.size()) return bad("a state node is listed twice");
  for (const auto& id : config.state_nodes) {
    if (!valid_node_id(id)) {
      return bad(fmt::format("state node \"{}\" is not one DNS label (a-z, 0-9, -; 1-63)", id.substr(0, 64)));
    }
    if (const auto* node = config.find(id); node && node->gateway) {
      return bad(fmt::format("state node \"{}\" is a gateway node: a public relay holds no zone state", id));
    }
  }
  auto n = config.state_nodes.size();
  if (n != 1 && n != 3 && n != 5) {
    return bad(fmt::format("{} state nodes; a zone state needs 1, 3 or 5 (2f+1)", n));
  }
  return {};
}

}  // namespace bucky
