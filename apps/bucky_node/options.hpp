// bucky-node's command line: flags in, a node_options (or a usage error) out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <spdlog/common.h>

namespace bucky {

struct node_options {
  std::string data_dir;
  std::string node_id;
  spdlog::level::level_enum log_level = spdlog::level::info;
  bool print_actors_and_exit = false;
  bool print_key_and_exit = false;
  std::string zone_id = "local";
  bool node_id_given = false;  // set on the command line (vs. the default)
  bool zone_id_given = false;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 7070;
  bool listen_given = false;
  std::string peers_path;  // empty: <data_dir>/peers when it exists
  bool dns = false;  // answer DNS for the zone (--dns-listen)
  std::string dns_listen_host;
  std::uint16_t dns_listen_port = 0;
  bool api = false;  // serve the etcd v3 JSON API (--api-listen; state nodes)
  std::string api_listen_host;
  std::uint16_t api_listen_port = 0;
  bool gateway = false;  // serve the panel and apps over HTTPS (--gateway-listen)
  std::string gateway_host;
  std::uint16_t gateway_port = 0;
  std::optional<std::uint16_t> gateway_http_port;  // --gateway-http-listen: redirects to HTTPS
  bool relay = false;  // a gateway node: relay https://*.<zone> to home nodes (--relay-listen)
  std::string relay_host;
  std::uint16_t relay_port = 0;
  bool zone_dns = false;  // without a cached config: look it up in DNS here (--zone-dns)
  std::string zone_dns_host;
  std::uint16_t zone_dns_port = 0;
  std::string zone_config_path;  // a signed zone config to boot with (newer than the cache)
  std::optional<std::string> owner_key_text;  // waiting node: accept activations of this owner only
  std::uint32_t restarts_max = 5;
  std::uint64_t restart_period_ms = 10'000;
  std::uint64_t log_retain_slots = 10'000;
  std::string mount_point;  // --mount: serve the zone file system there (FUSE)
  std::uint32_t fs_copies = 2;   // R: copies of every chunk (fewer when the zone has fewer nodes)
  std::uint64_t chunk_reserve_mb = 1'024;  // free space the chunk store never fills
  bool accept_state_loss = false;  // --accept-state-loss (one-state-node zones)  // zone-state log kept for catch-up before snapshots
};

// What parsing ended in: options to run with, or text to print and an exit code
// (0 for --help/--version on stdout, 2 for a usage error on stderr).
struct early_exit {
  int exit_code = 0;
  std::string text;
};

std::variant<node_options, early_exit> parse_node_options(int argc, char** argv);

}  // namespace bucky
