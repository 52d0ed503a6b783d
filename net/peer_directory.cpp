#include "net/peer_directory.hpp"

#include <charconv>
#include <sstream>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "messages/zone_config.hpp"
#include "net/limits.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::net {

bool valid_peer_name(std::string_view name) { return valid_node_id(name); }

namespace {

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t at = 0;
  while (at < line.size()) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
    std::size_t end = at;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
    if (end > at) words.push_back(line.substr(at, end - at));
    at = end;
  }
  return words;
}

// "<ip>:<port>" or "[<ipv6>]:<port>"; host names are not resolved here.
status parse_address(std::string_view text, peer_entry& entry, const std::string& where) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return {status_code::invalid_argument, fmt::format("{}: address '{}' needs <ip>:<port>", where, text)};
  }
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code error;
  boost::asio::ip::make_address(std::string(host), error);
  if (error) {
    return {status_code::invalid_argument, fmt::format("{}: '{}' is not an IP address", where, host)};
  }
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, parse_error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (parse_error != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    return {status_code::invalid_argument, fmt::format("{}: port '{}' is not in 1..65535", where, port_text)};
  }
  entry.host = std::string(host);
  entry.port = static_cast<std::uint16_t>(port);
  return {};
}

}  // namespace

status peer_directory::add(peer_entry entry, const std::string& where) {
  if (entries_.size() >= limits::peers_max) {
    return {status_code::too_large, fmt::format("{}: more than {} peers", where, limits::peers_max)};
  }
  for (const auto& existing : entries_) {
    if (existing.identity.name == entry.identity.name) {
      return {status_code::already_exists, fmt::format("{}: name '{}' appears twice", where, entry.identity.name)};
    }
    if (existing.identity.key == entry.identity.key) {
      return {status_code::already_exists,
              fmt::format("{}: key of '{}' is also the key of '{}'", where, entry.identity.name,
                          existing.identity.name)};
    }
  }
  entries_.push_back(std::move(entry));
  return {};
}

result<peer_directory> peer_directory::parse(std::string_view text, const std::string& origin) {
  peer_directory directory;
  std::size_t line_number = 0;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    ++line_number;
    auto where = fmt::format("{} line {}", origin, line_number);
    auto words = words_of(line);
    if (words.empty() || words[0].front() == '#') continue;
    bool is_node = words[0] == "node";
    if (!is_node && words[0] != "admin") {
      return status(status_code::invalid_argument,
                    fmt::format("{}: starts with '{}', expected 'node' or 'admin'", where, words[0]));
    }
    if (words.size() != (is_node ? 4u : 3u)) {
      return status(status_code::invalid_argument,
                    fmt::format("{}: expected '{}'", where,
                                is_node ? "node <node_id> <public key> <ip>:<port>" : "admin <name> <public key>"));
    }
    peer_entry entry;
    entry.identity.role = is_node ? peer_identity::kind::node : peer_identity::kind::admin;
    entry.identity.name = std::string(words[1]);
    if (!valid_peer_name(entry.identity.name)) {
      return status(status_code::invalid_argument,
                    fmt::format("{}: name '{}' must be 1-63 of a-z, 0-9, '-'", where, words[1]));
    }
    auto key = public_key::from_text(words[2]);
    if (!key) return status(status_code::invalid_argument, fmt::format("{}: {}", where, key.error().message()));
    entry.identity.key = *key;
    if (is_node) {
      if (auto address = parse_address(words[3], entry, where); !address.is_ok()) return address;
    }
    if (auto added = directory.add(std::move(entry), where); !added.is_ok()) return added;
  }
  return directory;
}

result<peer_directory> peer_directory::from_zone_config(const zone_config& config) {
  peer_directory directory;
  auto origin = fmt::format("zone config {} version {}", config.zone_id, config.version);
  for (const auto& node : config.nodes) {
    peer_entry entry;
    entry.identity.name = node.node_id;
    entry.gateway = node.gateway;
    auto key = public_key::from_text(node.public_key);
    if (!key) return status(status_code::invalid_argument, fmt::format("{}: node {}: {}", origin, node.node_id, key.error().message()));
    entry.identity.key = *key;
    auto where = fmt::format("{}: node {}", origin, node.node_id);
    if (!node.address.empty()) {
      if (auto address = parse_address(node.address, entry, where); !address.is_ok()) return address;
    }
    if (auto added = directory.add(std::move(entry), where); !added.is_ok()) return added;
  }
  auto key = public_key::from_text(config.owner_key);
  if (!key) return status(status_code::invalid_argument, fmt::format("{}: owner key: {}", origin, key.error().message()));
  if (auto added = directory.add_admin(owner_admin_name, *key, origin); !added.is_ok()) return added;
  return directory;
}

status peer_directory::add_admin(const std::string& name, const public_key& key, const std::string& where) {
  return add_person(name, key, peer_identity::kind::admin, where);
}

status peer_directory::add_person(const std::string& name, const public_key& key, peer_identity::kind role,
                                  const std::string& where) {
  BUCKY_CHECK(role == peer_identity::kind::admin || role == peer_identity::kind::reader ||
              role == peer_identity::kind::writer);
  peer_entry entry;
  entry.identity.role = role;
  entry.identity.name = name;
  entry.identity.key = key;
  return add(std::move(entry), where);
}

result<peer_directory> peer_directory::load(const std::string& path) {
  auto text = read_small_file(path);
  if (!text) return text.error();
  return parse(*text, path);
}

std::optional<peer_identity> peer_directory::authorize(const public_key& key) const {
  for (const auto& entry : entries_) {
    if (entry.identity.key == key) return entry.identity;
  }
  return std::nullopt;
}

const peer_entry* peer_directory::node(const std::string& node_id) const {
  for (const auto& entry : entries_) {
    if (entry.identity.role == peer_identity::kind::node && entry.identity.name == node_id) return &entry;
  }
  return nullptr;
}

std::string peer_directory::to_text() const {
  std::ostringstream out;
  for (const auto& entry : entries_) {
    if (entry.identity.role == peer_identity::kind::node) {
      bool v6 = entry.host.find(':') != std::string::npos;
      out << "node " << entry.identity.name << ' ' << entry.identity.key.to_text() << ' '
          << (v6 ? "[" + entry.host + "]" : entry.host) << ':' << entry.port << '\n';
    } else {
      out << "admin " << entry.identity.name << ' ' << entry.identity.key.to_text() << '\n';
    }
  }
  return out.str();
}

}  // namespace bucky::net
