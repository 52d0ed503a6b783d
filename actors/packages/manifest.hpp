// An app's manifest: the `app.json` at the root of every package (DESIGN §10.2).
// It says what the app is (name, version, publisher), how to run it (a command
// inside the package, the HTTP ports it serves, its memory), and what it asks
// for (zone folders, the network, other apps' services). The owner sees the asks
// at install and grants some; the sandbox gives the app only what was granted.
//
// The text is untrusted (it comes inside a package from anywhere): parsing is
// strict (format 1 only, no unknown fields, every value bounded) and every refusal
// names the field, what is wrong and what would be right. Plain code.
//
//   {"format": 1, "name": "notes", "version": "1.2.0", "description": "Family notes",
//    "publisher": "<Ed25519 public key, base64url>",
//    "command": ["bin/notes", "--data", "/data"], "memory_mb": 128,
//    "ports": [{"name": "web", "port": 8080, "public": false}],
//    "permissions": {"folders": [{"path": "/photos", "access": "read"}],
//                    "network": false, "services": ["calendar"]}}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::packages {

struct manifest_limits {
  static constexpr std::size_t text_bytes_max = 64 * 1024;   // the whole app.json
  static constexpr std::size_t name_bytes_max = 40;          // a DNS label: <app>.<zone>
  static constexpr std::size_t description_bytes_max = 280;
  static constexpr std::size_t command_items_max = 64;
  static constexpr std::size_t command_item_bytes_max = 4096;
  static constexpr std::size_t path_bytes_max = 1024;
  static constexpr std::size_t ports_max = 8;
  static constexpr std::size_t port_name_bytes_max = 16;
  static constexpr std::uint32_t port_min = 1024;            // no privileged ports in a sandbox
  static constexpr std::size_t folders_max = 32;
  static constexpr std::size_t services_max = 16;
  static constexpr std::uint32_t memory_mb_min = 16;
  static constexpr std::uint32_t memory_mb_max = 64 * 1024;
};

inline constexpr std::int64_t manifest_format = 1;

enum class folder_access : std::uint8_t { read, write };

struct folder_request {
  std::string path;  // a zone file system path, normalized ("/photos")
  folder_access access = folder_access::read;
  bool operator==(const folder_request&) const = default;
};

struct http_port {
  std::string name;  // "web"
  std::uint32_t port = 0;
  bool open_to_all = false;  // "public": reachable without signing in
  bool operator==(const http_port&) const = default;
};

struct app_permissions {
  std::vector<folder_request> folders;
  bool network = false;               // outbound network beyond the zone
  std::vector<std::string> services;  // other apps it calls through kRPC
  bool operator==(const app_permissions&) const = default;
};

struct app_manifest {
  std::string name;
  std::string version;  // semantic version: MAJOR.MINOR.PATCH[-PRERELEASE]
  std::string description;
  net::public_key publisher;
  std::vector<std::string> command;  // command[0]: a path inside the package
  std::uint32_t memory_mb = 256;
  std::vector<http_port> ports;
  app_permissions permissions;
  bool operator==(const app_manifest&) const = default;
};

// Parses and checks app.json; `where` names it in errors ("notes-1.2.0.bpkg:app.json").
result<app_manifest> parse_manifest(std::string_view text, std::string_view where);
// The manifest as app.json text (parse_manifest of it gives it back).
std::string manifest_json(const app_manifest& manifest);

// The checks parse_manifest applies to single values, for the CLI's own inputs.
status check_app_name(std::string_view name);
status check_version(std::string_view version);
// -1, 0, 1 as a is older than, the same as, newer than b (both valid).
int compare_versions(std::string_view a, std::string_view b);

}  // namespace bucky::packages
