#include "apps/bucky_node/boot.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "actors/activation/actor.hpp"
#include "actors/etcd_api/actor.hpp"
#include "actors/gateway/actor.hpp"
#include "actors/relay/actor.hpp"
#include "apps/panel/panel_backend.hpp"
#include "actors/fault_injector/actor.hpp"
#include "actors/fs_repair/actor.hpp"
#include "actors/chunk_store/actor.hpp"
#include "actors/log_tail/actor.hpp"
#include "actors/zone_fs/actor.hpp"
#include "actors/name_service/actor.hpp"
#include "actors/node_loop/actor.hpp"
#include "actors/process_manager/actor.hpp"
#include "actors/scheduler/actor.hpp"
#include "actors/paxos/actor.hpp"
#include "actors/state_client/actor.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/transport/actor.hpp"
#include "net/key_file.hpp"
#include "net/zone_config_dns.hpp"
#include "net/zone_config_sign.hpp"

namespace bucky {

namespace {

constexpr std::uint64_t zone_dns_timeout_ms = 3'000;

boot_failure usage(std::string message) { return {2, std::move(message)}; }
boot_failure failed(std::string step, const std::string& why) { return {1, "boot: " + step + ": " + why}; }

// Step 1: the identity file names the node and the zone; flags may repeat those
// names but not contradict them.
std::optional<boot_failure> adopt_identity(node_options& options, const net::node_identity& file) {
  auto path = options.data_dir + "/" + net::identity_file_name;
  if (options.node_id_given && options.node_id != file.node_id) {
    return usage(fmt::format("--node-id {} contradicts {}, which says {}: drop the flag or use another data dir",
                             options.node_id, path, file.node_id));
  }
  if (options.zone_id_given && options.zone_id != file.zone_id) {
    return usage(fmt::format("--zone-id {} contradicts {}, which says {}: drop the flag or use another data dir",
                             options.zone_id, path, file.zone_id));
  }
  if (!options.peers_path.empty()) {
    return usage(fmt::format("--peers: node {} of zone {} trusts its signed zone config, not a peers file: drop "
                             "the flag",
                             file.node_id, file.zone_id));
  }
  options.node_id = file.node_id;
  options.zone_id = file.zone_id;
  return std::nullopt;
}

// Step 2: the newest of the cached copy and --zone-config, verified under the owner
// key of the identity; a newer file must be a valid successor of the cache and
// replaces it.
std::variant<net::verified_zone_config, boot_failure> choose_zone_config(const node_options& options,
                                                                         const net::node_identity& identity,
                                                                         std::string& source) {
  auto cache_path = options.data_dir + "/" + net::zone_config_file_name;
  std::optional<net::verified_zone_config> cached, given;
  if (std::filesystem::exists(cache_path)) {
    auto loaded = net::load_zone_config_file(cache_path, identity.owner_key);
    if (!loaded) return failed("zone config", loaded.error().message());
    cached = std::move(*loaded);
  }
  if (!options.zone_config_path.empty()) {
    auto loaded = net::load_zone_config_file(options.zone_config_path, identity.owner_key);
    if (!loaded) return failed("zone config", loaded.error().message());
    given = std::move(*loaded);
  }
  if (!cached && !given && options.zone_dns) {
    auto document = net::fetch_zone_config_dns(options.zone_dns_host, options.zone_dns_port, identity.zone_id,
                                               zone_dns_timeout_ms);
    if (!document) return failed("zone config", document.error().message());
    auto config = net::verify_zone_config(*document, identity.owner_key);
    if (!config) return failed("zone config", "from DNS: " + config.error().message());
    given = net::verified_zone_config{std::move(*document), std::move(*config)};
  }
  if (!cached && !given) {
    return failed("zone config", fmt::format("none for zone {}: {} is missing and neither --zone-config nor "
                                             "--zone-dns was given",
                                             identity.zone_id, cache_path));
  }
  if (given && given->config.zone_id != identity.zone_id) {
    return failed("zone config", fmt::format("{} is for zone {}, this node belongs to zone {}",
                                             options.zone_config_path, given->config.zone_id, identity.zone_id));
  }
  if (cached && (!given || given->config.version <= cached->config.version)) {
    source = given && given->config.version < cached->config.version
                 ? fmt::format("{} (newer than --zone-config version {})", cache_path, given->config.version)
                 : cache_path;
    return std::move(*cached);
  }
  if (cached) {
    if (auto update = net::check_zone_update(cached->config, given->config); !update.is_ok()) {
      return failed("zone config", fmt::format("{}: {}", options.zone_config_path, update.message()));
    }
  }
  if (auto saved = net::save_zone_config_file(cache_path, given->document); !saved.is_ok()) {
    return failed("zone config", saved.message());
  }
  source = options.zone_config_path.empty()
               ? fmt::format("DNS {}:{}", options.zone_dns_host, options.zone_dns_port)
               : options.zone_config_path;
  return std::move(*given);
}

std::optional<boot_failure> listen_where_listed(node_options& options, const zone_config& config) {
  const auto* self = config.find(options.node_id);
  if (options.listen_given || !self || self->address.empty()) return std::nullopt;
  auto colon = self->address.rfind(':');
  auto host = self->address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  options.listen_host = host;
  options.listen_port = static_cast<std::uint16_t>(std::stoul(self->address.substr(colon + 1)));
  return std::nullopt;
}

std::optional<boot_failure> plan_member(node_options& options, boot_plan& plan) {
  if (auto bad = adopt_identity(options, *plan.identity)) return bad;
  auto chosen = choose_zone_config(options, *plan.identity, plan.zone_source);
  if (auto* failure = std::get_if<boot_failure>(&chosen)) return *failure;
  plan.zone = std::move(std::get<net::verified_zone_config>(chosen));
  const auto& config = plan.zone->config;
  if (auto member = net::check_zone_member(config, options.node_id, plan.key->public_part()); !member.is_ok()) {
    return failed("zone config", member.message());
  }
  auto peers = net::peer_directory::from_zone_config(config);
  if (!peers) return failed("zone config", peers.error().message());
  plan.peers = std::make_shared<net::trusted_peers>(std::move(*peers));
  plan.replicas = config.state_nodes;
  std::sort(plan.replicas.begin(), plan.replicas.end());
  plan.mode = node_mode::zone_member;
  return listen_where_listed(options, config);
}

std::optional<boot_failure> plan_unjoined(const node_options& options, boot_plan& plan) {
  std::string peers_path = options.peers_path;
  if (peers_path.empty() && ::access((options.data_dir + "/peers").c_str(), F_OK) == 0) {
    peers_path = options.data_dir + "/peers";
  }
  if (peers_path.empty()) {
    if (options.owner_key_text) {
      auto owner = net::public_key::from_text(*options.owner_key_text);
      if (!owner) return usage("--owner-key: " + owner.error().message());
      plan.activation_owner = *owner;
    }
    plan.mode = node_mode::waiting;
    plan.peers = std::make_shared<net::trusted_peers>(net::peer_directory{});
    return std::nullopt;
  }
  auto peers = net::peer_directory::load(peers_path);
  if (!peers) return usage(peers.error().message());
  // Every node of the peers file holds a replica, in node_id order.
  for (const auto& entry : peers->entries()) {
    if (entry.identity.role == net::peer_identity::kind::node) plan.replicas.push_back(entry.identity.name);
  }
  std::sort(plan.replicas.begin(), plan.replicas.end());
  plan.peers = std::make_shared<net::trusted_peers>(std::move(*peers));
  plan.mode = node_mode::development;
  return std::nullopt;
}

}  // namespace

std::variant<boot_plan, boot_failure> plan_boot(node_options& options) {
  boot_plan plan;
  auto key = net::load_or_create_key_file(options.data_dir + "/" + net::key_file_name);
  if (!key) return usage(key.error().message());
  plan.key = std::make_shared<const net::key_pair>(*key);
  auto identity = net::load_node_identity(options.data_dir);
  if (!identity) return usage(identity.error().message());
  plan.identity = *identity;
  auto problem = plan.identity ? plan_member(options, plan) : plan_unjoined(options, plan);
  if (problem) return *problem;
  return plan;
}

void report_boot(const node_options& options, const boot_plan& plan) {
  auto log = logging::get("bucky-node");
  if (plan.mode == node_mode::development) {
    log->info("boot: no identity file in {}: development node {} of zone {} (names from flags, trust from the "
              "peers file)",
              options.data_dir, options.node_id, options.zone_id);
    return;
  }
  if (plan.mode == node_mode::waiting) {
    auto key = plan.key->public_part().to_text();
    auto name = options.node_id_given ? options.node_id : "<node_id>";
    log->info("boot: not activated: waiting for an activation on {}:{} (node key {})", options.listen_host,
              options.listen_port, key);
    std::printf("bucky-node: not activated yet. Node key: %s\n"
                "  The zone owner activates this machine with:\n"
                "    bucky node activate %s --at %s:%u --node-key %s --zone <zone config file>\n",
                key.c_str(), name.c_str(), options.listen_host.c_str(), options.listen_port, key.c_str());
    std::fflush(stdout);
    return;
  }
  const auto& config = plan.zone->config;
  bool state_node = std::find(plan.replicas.begin(), plan.replicas.end(), options.node_id) != plan.replicas.end();
  log->info("boot: identity: node {} of zone {}, owner key {}", options.node_id, options.zone_id,
            plan.identity->owner_key.to_text());
  log->info("boot: zone config: version {} from {} verified; {} nodes, state nodes {}; this node {}", config.version,
            plan.zone_source, config.nodes.size(), fmt::join(plan.replicas, ","),
            state_node ? "holds a zone-state replica" : "is a zone-state client");
  if (options.api && !state_node) {
    log->warn("--api-listen ignored: node {} holds no zone-state replica; the etcd API runs on the state nodes ({})",
              options.node_id, fmt::join(plan.replicas, ","));
  }
}

namespace {

// DESIGN §10.1 then §5: the node's chunks, the file system that stores in them,
// then the process manager, the node loop and a scheduler candidate (after the
// zone state: they use it from their first message). Children stop in reverse:
// the services (apps among them, which use the zone's files through the mount)
// stop before the mount ends, and the mount before the stores it writes to.
void add_service_children(node_daemon_config& config, const node_options& options, const boot_plan& plan) {
  chunk_store_config chunks;
  chunks.node_id = options.node_id;
  chunks.chunk_dir = options.data_dir + "/chunks";
  chunks.reserve_bytes = options.chunk_reserve_mb << 20;
  config.children.push_back(permanent_child(chunk_store_actor, spawn_chunk_store, chunks, 5'000));
  zone_fs_config files;
  files.node_id = options.node_id;
  files.mount_point = options.mount_point;
  files.copies = options.fs_copies;
  config.children.push_back(permanent_child(zone_fs_actor, spawn_zone_fs, files, 10'000));
  fs_repair_config repair;
  repair.node_id = options.node_id;
  repair.copies = options.fs_copies;
  config.children.push_back(permanent_child(fs_repair_actor, spawn_fs_repair, repair, 10'000));
  process_manager_config procs{options.node_id, options.data_dir, options.mount_point, plan.processes, plan.app_ports};
  if (plan.key) procs.krpc = std::make_shared<krpc::endpoints>(krpc::node_identity_source{options.node_id, options.zone_id, plan.key});
  // Its stop ends every service when the node stops (their grace, then SIGKILL).
  config.children.push_back(permanent_child(process_manager_actor, spawn_process_manager, procs,
                                            procs.shutdown_grace_ms_max + 2'000));
  if (options.gateway && plan.key) {
    gateway_config gateway{options.node_id, options.zone_id, options.gateway_host, options.gateway_port,
                           options.gateway_http_port, plan.key, plan.peers};
    gateway.backend = panel::make_panel_backend({options.zone_id, plan.peers, plan.replicas});
    gateway.assets = panel::panel_assets();
    config.children.push_back(permanent_child(gateway_actor, spawn_gateway, gateway, 5'000));
  }
  if (options.relay && plan.key) {
    relay_config relay{options.node_id, options.zone_id, options.relay_host, options.relay_port, plan.peers};
    config.children.push_back(permanent_child(relay_actor, spawn_relay, relay, 5'000));
  }
  node_loop_config loop{options.node_id, options.data_dir, plan.processes};
  if (plan.identity) loop.zone_owner = plan.identity->owner_key;
  config.children.push_back(permanent_child(node_loop_actor, spawn_node_loop, loop, 1'000));
  scheduler_config scheduler{options.node_id};
  config.children.push_back(permanent_child(scheduler_actor, spawn_scheduler, scheduler, 1'000));
}

}  // namespace

node_daemon_config make_daemon_config(const node_options& options, const boot_plan& plan,
                                      std::shared_ptr<ring_sink> tail) {
  node_daemon_config config;
  config.node_id = options.node_id;
  config.intensity = {options.restarts_max, options.restart_period_ms};
  config.children.push_back({"log_tail", restart_type::permanent, restart_strategy::one_for_one,
                             spawn_component<log_tail_actor>(std::move(tail)), 1'000});
  // Chaos tests only (BUCKY_FAULT_INJECTION=1): faults they inject, shared by the
  // components they affect and kept across actor restarts.
  std::shared_ptr<injected_faults> faults;
  if (fault_injection_enabled() && plan.mode == node_mode::zone_member) {
    faults = std::make_shared<injected_faults>();
    config.children.push_back(permanent_child(fault_injector_actor, spawn_fault_injector,
                                              fault_injector_config{faults}, 1'000));
  }
  if (plan.mode == node_mode::zone_member) {
    name_service_config names{options.node_id, options.data_dir, plan.identity->owner_key, plan.key->public_part(),
                              plan.peers};
    names.dns = options.dns;
    names.dns_listen_host = options.dns_listen_host;
    names.dns_listen_port = options.dns_listen_port;
    config.children.push_back(permanent_child(name_service_actor, spawn_name_service, names, 1'000));
  }
  transport_config transport;
  transport.node_id = options.node_id;
  transport.key = plan.key;
  transport.peers = plan.peers;
  transport.accept_guests = plan.mode == node_mode::waiting;
  transport.listen_host = options.listen_host;
  transport.listen_port = options.listen_port;
  transport.connection.zone_id = plan.mode == node_mode::waiting ? activation_zone_id : options.zone_id;
  transport.faults = faults;
  config.children.push_back(permanent_child("transport", spawn_transport, transport, 3'000));
  if (plan.mode == node_mode::waiting) {
    activation_config activation{options.data_dir, options.node_id_given ? options.node_id : "",
                                 plan.key->public_part(), plan.activation_owner};
    config.children.push_back(permanent_child(guest_actor, spawn_activation, activation, 1'000));
    return config;
  }
  if (std::find(plan.replicas.begin(), plan.replicas.end(), options.node_id) == plan.replicas.end()) {
    if (plan.mode != node_mode::zone_member) return config;
    state_client_config client{options.node_id, plan.replicas};
    config.children.push_back(permanent_child(state_client_actor, spawn_state_client, client, 1'000));
    add_service_children(config, options, plan);
    return config;
  }
  paxos_config paxos;
  paxos.node_id = options.node_id;
  paxos.state_dir = options.data_dir + "/state";
  paxos.log_retain_slots = options.log_retain_slots;
  paxos.compaction_step_slots = std::max<std::uint64_t>(1, options.log_retain_slots / 10);
  paxos.replicas = plan.replicas;
  paxos.rejoin_marker = options.data_dir + "/" + rejoin_marker_name;
  paxos.acceptor_marker = options.data_dir + "/acceptor-log.marker";  // outside state/
  paxos.accept_state_loss = options.accept_state_loss;
  paxos.state_corrupt_marker = options.data_dir + "/zone-state.corrupt";
  if (plan.identity) paxos.zone_owner = plan.identity->owner_key;
  paxos.faults = faults;
  config.children.push_back(permanent_child("paxos", spawn_paxos, paxos, 3'000));
  if (options.api) {
    etcd_api_config api{options.node_id, options.zone_id, options.api_listen_host, options.api_listen_port, plan.peers};
    config.children.push_back(permanent_child(etcd_api_actor, spawn_etcd_api, api, 1'000));
  }
  add_service_children(config, options, plan);
  return config;
}

}  // namespace bucky
