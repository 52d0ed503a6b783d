#include "net/node_identity.hpp"

#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "messages/zone_config.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::net {

namespace {

constexpr std::string_view header = "bucky-node-identity-v1";

std::string path_in(const std::string& data_dir) { return (std::filesystem::path(data_dir) / identity_file_name).string(); }

std::string render(const node_identity& identity) {
  return fmt::format("{}\nzone_id {}\nnode_id {}\nowner_key {}\n", header, identity.zone_id, identity.node_id,
                     identity.owner_key.to_text());
}

}  // namespace

result<std::optional<node_identity>> load_node_identity(const std::string& data_dir) {
  const auto path = path_in(data_dir);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::optional<node_identity>{};
  auto text = read_small_file(path);
  if (!text) return text.error();
  auto broken = [&](int line, const std::string& why) {
    return status(status_code::corruption,
                  fmt::format("{} line {}: {}; restore the file, or move the data dir aside and activate again",
                              path, line, why));
  };
  std::istringstream lines(*text);
  std::string line;
  if (!std::getline(lines, line) || line != header) return broken(1, fmt::format("the first line is not {}", header));
  node_identity identity;
  const char* fields[] = {"zone_id", "node_id", "owner_key"};
  for (int i = 0; i < 3; ++i) {
    if (!std::getline(lines, line)) return broken(i + 2, std::string("missing ") + fields[i]);
    std::string name = line.substr(0, line.find(' '));
    std::string value = line.size() > name.size() ? line.substr(name.size() + 1) : "";
    if (name != fields[i]) return broken(i + 2, fmt::format("expected {}, found \"{}\"", fields[i], name.substr(0, 32)));
    if (i == 0 && !valid_zone_id(value)) return broken(2, "zone_id is not a DNS name");
    if (i == 1 && !valid_node_id(value)) return broken(3, "node_id is not a DNS label");
    if (i == 0) identity.zone_id = value;
    if (i == 1) identity.node_id = value;
    if (i == 2) {
      auto key = public_key::from_text(value);
      if (!key) return broken(4, key.error().message());
      identity.owner_key = *key;
    }
  }
  while (std::getline(lines, line)) {
    if (!line.empty()) return broken(5, "unexpected text after owner_key");
  }
  return std::optional<node_identity>{identity};
}

status save_node_identity(const std::string& data_dir, const node_identity& identity) {
  if (!valid_zone_id(identity.zone_id) || !valid_node_id(identity.node_id)) {
    return status(status_code::invalid_argument,
                  fmt::format("identity: zone_id \"{}\" or node_id \"{}\" is not a valid name", identity.zone_id,
                              identity.node_id));
  }
  auto existing = load_node_identity(data_dir);
  if (!existing) return existing.error();
  if (*existing) {
    if (**existing == identity) return {};
    return status(status_code::already_exists,
                  fmt::format("{} already belongs to zone {} as node {}; a data dir joins one zone once: use a "
                              "fresh data dir",
                              data_dir, (*existing)->zone_id, (*existing)->node_id));
  }
  return write_file_atomically(path_in(data_dir), render(identity), 0600);
}

}  // namespace bucky::net
