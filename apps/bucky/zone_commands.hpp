// bucky zone create / show: the owner's side of the signed zone config. The owner
// key lives with the person (default ~/.bucky/<zone_id>.owner.key), never in a
// node's data dir; the signed config is a file anyone may read and copy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bucky::cli {

struct zone_create_options {
  std::string zone_id;
  std::string owner_key_path;  // default: $HOME/.bucky/<zone_id>.owner.key
  std::string out_path;        // default: ./<zone_id>.zone
  std::vector<std::string> state_nodes;  // 1, 3 or 5 node names, fixed for the zone's life
  bool json_output = false;
};

// Creates the owner key (refuses to overwrite one) and version 1 of the zone config
// (the state nodes named, none activated yet), signed. Exit code: 0, 1 failure, 2 usage.
int zone_create(zone_create_options options);

// Verifies a signed zone config file and prints it (as JSON with --json).
// `owner_key_text` pins the owner (optional). Exit code: 0, 1 refused or unreadable.
int zone_show(const std::string& path, const std::string& owner_key_text, bool json_output);

struct zone_fetch_options {
  std::string zone_id;
  std::string dns_server;      // ip:port
  std::string owner_key_text;  // pin (base64url); empty: trust the key it names
  std::string out_path;        // keep the verified document here ("" for none)
  std::uint64_t timeout_ms = 3'000;
  bool json_output = false;
};

// Looks the zone config up in DNS (TXT at _bucky.<zone_id>), verifies and prints it.
int zone_fetch(const zone_fetch_options& options);

// Prints the DNS TXT record that publishes a verified zone config (zone-file syntax).
int zone_dns(const std::string& path, const std::string& owner_key_text);

}  // namespace bucky::cli
