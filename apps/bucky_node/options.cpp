#include "apps/bucky_node/options.hpp"

#include <charconv>
#include <cstdlib>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "actors/runtime/logging.hpp"

namespace bucky {

namespace {

std::string default_node_id() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "node";
  return name;
}

std::string env_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// "<ip>:<port>" -> host and port (the host is checked when it is bound).
bool split_listen(const std::string& text, std::string& host, std::uint16_t& port) {
  auto colon = text.rfind(':');
  unsigned number = 0;
  if (colon == std::string::npos || colon == 0 ||
      std::from_chars(text.data() + colon + 1, text.data() + text.size(), number).ec != std::errc{} ||
      number > 65535) {
    return false;
  }
  host = text.substr(0, colon);
  port = static_cast<std::uint16_t>(number);
  return true;
}

}  // namespace

std::variant<node_options, early_exit> parse_node_options(int argc, char** argv) {
  node_options options;
  std::string log_level = env_or("BUCKY_LOG_LEVEL", "info");
  options.data_dir = env_or("BUCKY_DATA_DIR", "");
  options.node_id = default_node_id();

  CLI::App app{"bucky-node: one node of a BuckyOS zone (a personal cloud on 1-5 home servers)",
               "bucky-node"};
  app.set_version_flag("--version", std::string("bucky-node ") + BUCKY_VERSION);
  app.add_option("--data-dir", options.data_dir,
                 "directory for this node's state and logs (env BUCKY_DATA_DIR); created if "
                 "missing");
  app.add_option("--node-id", options.node_id, "this node's name in logs (default: host name)");
  app.add_option("--log-level", log_level,
                 "trace|debug|info|warn|error|critical|off (env BUCKY_LOG_LEVEL)");
  app.add_option("--restart-max", options.restarts_max,
                 "restart intensity: more restarts than this within the period stop the node")
      ->check(CLI::Range(0, 1'000));
  app.add_option("--restart-period-ms", options.restart_period_ms,
                 "restart intensity period in milliseconds")
      ->check(CLI::Range(1, 86'400'000));
  app.add_option("--log-retain-slots", options.log_retain_slots,
                 "zone-state log slots kept for replicas that catch up; one further behind gets a snapshot "
                 "(default 10000)")
      ->check(CLI::Range(1, 10'000'000));
  app.add_flag("--accept-state-loss", options.accept_state_loss,
               "a zone of one state node whose acceptor log was lost or damaged goes on from the zone state as last "
               "committed (writes acknowledged in its last second may be missing); without it, it refuses to start");
  app.add_option("--mount", options.mount_point,
                 "mount the zone file system at this directory (FUSE; created if missing)");
  app.add_option("--fs-copies", options.fs_copies,
                 "copies of every file chunk on distinct nodes (default 2; the zone's node count if fewer)")
      ->check(CLI::Range(1, 5));
  app.add_option("--chunk-reserve-mb", options.chunk_reserve_mb,
                 "free disk space (MiB) the chunk store leaves for everything else (default 1024)")
      ->check(CLI::Range(0, 1'048'576));
  app.add_flag("--print-actors", options.print_actors_and_exit,
               "start, print the supervised actors once they run, stop cleanly");
  app.add_flag("--print-key", options.print_key_and_exit,
               "print this node's public key (creating the key file if needed) and exit");
  std::string listen = "127.0.0.1:7070";
  app.add_option("--listen", listen, "address the transport listens on, <ip>:<port> (default 127.0.0.1:7070)");
  app.add_option("--peers", options.peers_path,
                 "peers file: nodes and admins that may connect (default: <data-dir>/peers if present)");
  app.add_option("--zone-id", options.zone_id, "zone name; nodes of different zones never connect");
  app.add_option("--zone-config", options.zone_config_path,
                 "signed zone config file to boot with when newer than the copy in the data dir");
  std::string dns_listen;
  std::string api_listen;
  app.add_option("--api-listen", api_listen,
                 "serve the etcd v3 JSON API (HTTP) here, <ip>:<port>; state nodes only; callers need a token "
                 "from bucky api-token");
  std::string gateway_listen, gateway_http_listen;
  app.add_option("--gateway-listen", gateway_listen,
                 "serve the control panel (https://<zone>) and apps (https://<app>.<zone>) here, <ip>:<port>, "
                 "with the certificate the owner issued (bucky zone tls issue)");
  app.add_option("--gateway-http-listen", gateway_http_listen,
                 "plain HTTP here, <ip>:<port>, that only redirects to the gateway's HTTPS (needs --gateway-listen)");
  std::string relay_listen;
  app.add_option("--relay-listen", relay_listen,
                 "a gateway node (bucky node activate --gateway): take https://<zone> and https://<app>.<zone> here, "
                 "<ip>:<port>, and pass them, still encrypted, to a home node that dials this one");
  app.add_option("--dns-listen", dns_listen,
                 "answer DNS (UDP) for the zone here, <ip>:<port>: <node>.<zone> A/AAAA and the zone config TXT");
  std::string zone_dns;
  app.add_option("--zone-dns", zone_dns,
                 "with neither a cached zone config nor --zone-config: look it up (TXT _bucky.<zone>) at this DNS "
                 "server, <ip>:<port>");
  std::string owner_key;
  app.add_option("--owner-key", owner_key,
                 "while waiting for activation: accept only activations signed by this owner key (base64url)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return early_exit{0, app.help()};
  } catch (const CLI::CallForVersion&) {
    return early_exit{0, std::string("bucky-node ") + BUCKY_VERSION + "\n"};
  } catch (const CLI::ParseError& e) {
    return early_exit{2, fmt::format("bucky-node: {}; see bucky-node --help\n", e.what())};
  }
  if (options.data_dir.empty()) {
    return early_exit{2, "bucky-node: --data-dir is required (or set BUCKY_DATA_DIR); see "
                         "bucky-node --help\n"};
  }
  if (!split_listen(listen, options.listen_host, options.listen_port)) {
    return early_exit{2, fmt::format("bucky-node: --listen '{}' must be <ip>:<port>\n", listen)};
  }
  if (!dns_listen.empty() && !split_listen(dns_listen, options.dns_listen_host, options.dns_listen_port)) {
    return early_exit{2, fmt::format("bucky-node: --dns-listen '{}' must be <ip>:<port>\n", dns_listen)};
  }
  options.dns = !dns_listen.empty();
  if (!api_listen.empty() && !split_listen(api_listen, options.api_listen_host, options.api_listen_port)) {
    return early_exit{2, fmt::format("bucky-node: --api-listen '{}' must be <ip>:<port>\n", api_listen)};
  }
  options.api = !api_listen.empty();
  if (!gateway_listen.empty() && !split_listen(gateway_listen, options.gateway_host, options.gateway_port)) {
    return early_exit{2, fmt::format("bucky-node: --gateway-listen '{}' must be <ip>:<port>\n", gateway_listen)};
  }
  options.gateway = !gateway_listen.empty();
  if (!gateway_http_listen.empty()) {
    std::string host;
    std::uint16_t port = 0;
    if (!options.gateway || !split_listen(gateway_http_listen, host, port) || host != options.gateway_host) {
      return early_exit{2, fmt::format("bucky-node: --gateway-http-listen '{}' must be <ip>:<port> on the same ip as "
                                       "--gateway-listen\n", gateway_http_listen)};
    }
    options.gateway_http_port = port;
  }
  if (!relay_listen.empty() && !split_listen(relay_listen, options.relay_host, options.relay_port)) {
    return early_exit{2, fmt::format("bucky-node: --relay-listen '{}' must be <ip>:<port>\n", relay_listen)};
  }
  options.relay = !relay_listen.empty();
  if (options.relay && options.gateway) {
    return early_exit{2, "bucky-node: --relay-listen and --gateway-listen exclude each other: a gateway node holds no "
                         "TLS key, a home node's gateway ends TLS\n"};
  }
  if (!zone_dns.empty() && !split_listen(zone_dns, options.zone_dns_host, options.zone_dns_port)) {
    return early_exit{2, fmt::format("bucky-node: --zone-dns '{}' must be <ip>:<port>\n", zone_dns)};
  }
  options.zone_dns = !zone_dns.empty();
  options.node_id_given = app.count("--node-id") > 0;
  options.listen_given = app.count("--listen") > 0;
  if (!owner_key.empty()) options.owner_key_text = owner_key;
  options.zone_id_given = app.count("--zone-id") > 0;
  if (options.zone_id.empty() || options.zone_id.size() > 253) {
    return early_exit{2, "bucky-node: --zone-id must be 1..253 characters\n"};
  }
  auto level = logging::parse_level(log_level);
  if (!level) {
    return early_exit{2, fmt::format("bucky-node: --log-level: {}\n", level.error().message())};
  }
  options.log_level = *level;
  return options;
}

}  // namespace bucky
