// bucky: the zone's command line for its owner and admins. It talks to nodes only
// through the authenticated transport: with the owner key to the nodes of a zone
// file (--zone), or with an admin key listed in development nodes' peers files.
//   bucky zone create|show|dns           the owner key and the signed zone config
//   bucky node activate|list|remove      the zone's machines (new config versions)
//   bucky key create --key FILE          make (or show) an admin key
//   bucky status [--json]                every node: up/down, actors, sessions
//   bucky ping NODE [--via NODE]         round trip to a node (or between two)
//   bucky kv put|get|del|range KEY ...   the zone state (etcd-like), via any node
//   bucky acl get|set                    who may read or write which keys
//   bucky kv watch KEY [--prefix]        its changes, in order, across node failures
//   bucky kv lease grant|revoke|keepalive  leases; bucky kv put --lease ID attaches keys
//   bucky fault partition|heal|disk|clock|show  faults in a test zone (BUCKY_FAULT_INJECTION=1)
//   bucky fs ls|stat|put|get|rm|mv|mkdir|df  the zone's files without a mount
// Exit codes: 0 ok, 1 failure (a node down or unreachable), 2 usage.
#include <utility>

#include <cstdio>
#include <optional>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "actors/runtime/logging.hpp"
#include "apps/bucky/app_command_line.hpp"
#include "apps/bucky/commands.hpp"
#include "apps/bucky/fault_commands.hpp"
#include "apps/bucky/fs_commands.hpp"
#include "apps/bucky/service_commands.hpp"
#include "apps/bucky/node_commands.hpp"
#include "apps/bucky/zone_commands.hpp"
#include "apps/bucky/zone_tls.hpp"

using namespace bucky;
using namespace bucky::cli;

namespace {

struct fs_subcommands {
  CLI::App *ls, *stat, *put, *get, *rm, *mv, *mkdir, *df;
  CLI::App *volume_create, *volume_quota, *volume_list;
};

struct fs_volume_text {
  cli::fs_volume_options volume;
  std::string size = "none";
};

// bucky fs volume create|quota|list.
void add_volume_commands(CLI::App& fs_command, fs_subcommands& made, fs_volume_text& text) {
  auto* volume = fs_command.add_subcommand("volume", "volumes: directory trees with a quota (create, quota, list)");
  volume->require_subcommand(1);
  volume->fallthrough();
  made.volume_create = volume->add_subcommand("create", "make a new directory that is a volume");
  made.volume_create->add_option("path", text.volume.path, "zone path of the new directory")->required();
  made.volume_create->add_option("--quota", text.size, "at most this many bytes of files: 10G, 500M, none (default)");
  made.volume_quota = volume->add_subcommand("quota", "change a volume's quota (below its use: it only stops growing)");
  made.volume_quota->add_option("path", text.volume.path, "zone path of the volume")->required();
  made.volume_quota->add_option("size", text.size, "10G, 500M, ... or none")->required();
  made.volume_list = volume->add_subcommand("list", "every volume with its use and quota");
  for (auto* command : {made.volume_create, made.volume_quota, made.volume_list}) command->fallthrough();
}

// bucky fs ...: flags may follow the subcommand (`bucky fs ls / --json --node n2`).
fs_subcommands add_fs_commands(CLI::App& app, cli_options& options, cli::fs_options& fs, fs_volume_text& volume_text) {
  auto* parent =
      app.add_subcommand("fs", "the zone's files without a mount: ls, stat, put, get, rm, mv, mkdir, df, volume");
  parent->require_subcommand(1);
  parent->fallthrough();
  parent->add_option("--node", options.node, "the node that serves it (default: the first that answers)");
  fs_subcommands made{};
  made.ls = parent->add_subcommand("ls", "list a directory (a file lists as itself)");
  made.ls->add_option("path", fs.path, "zone path (default /)");
  made.ls->add_option("--limit", fs.limit, "list at most this many entries (default and at most 1000000)")
      ->check(CLI::Range(std::uint64_t{1}, cli::fs_cli_limits::ls_entries_max));
  made.stat = parent->add_subcommand("stat", "a file's or directory's attributes");
  made.stat->add_option("path", fs.path, "zone path")->required();
  made.put = parent->add_subcommand("put", "copy a local file into the zone (returns once R copies are synced)");
  made.put->add_option("local", fs.local, "the local file")->required();
  made.put->add_option("path", fs.path, "zone path (ending in /: into that directory, same name)")->required();
  made.get = parent->add_subcommand("get", "copy a zone file here (LOCAL appears only when complete; - is stdout)");
  made.get->add_option("path", fs.path, "zone path")->required();
  made.get->add_option("local", fs.local, "local file or directory, or - for stdout")->required();
  made.rm = parent->add_subcommand("rm", "remove a file (-r: a directory and all in it)");
  made.rm->add_option("path", fs.path, "zone path")->required();
  made.rm->add_flag("-r,--recursive", fs.recursive, "a directory and everything in it (at most 100000 names)");
  made.mv = parent->add_subcommand("mv", "rename, or move into a directory (atomic)");
  made.mv->add_option("from", fs.path, "zone path")->required();
  made.mv->add_option("to", fs.to_path, "new zone path, or an existing directory")->required();
  made.mkdir = parent->add_subcommand("mkdir", "make a directory");
  made.mkdir->add_option("path", fs.path, "zone path")->required();
  made.mkdir->add_flag("-p,--parents", fs.recursive, "make missing parents too; no error if it exists");
  made.df = parent->add_subcommand("df", "chunks and free space per node, files and bytes in the zone, repair");
  for (auto* command : {made.ls, made.stat, made.put, made.get, made.rm, made.mv, made.mkdir, made.df}) {
    command->fallthrough();
  }
  add_volume_commands(*parent, made, volume_text);
  return made;
}

// The exit code of the fs command that was parsed, or nothing.
std::optional<int> run_fs_command(const fs_subcommands& fs, const cli_options& options, cli::fs_options& paths) {
  if (paths.path.empty()) paths.path = "/";
  if (fs.ls->parsed()) return cli::fs_ls(options, paths);
  if (fs.stat->parsed()) return cli::fs_stat(options, paths);
  if (fs.put->parsed()) return cli::fs_put(options, paths);
  if (fs.get->parsed()) return cli::fs_get(options, paths);
  if (fs.rm->parsed()) return cli::fs_rm(options, paths);
  if (fs.mv->parsed()) return cli::fs_mv(options, paths);
  if (fs.mkdir->parsed()) return cli::fs_mkdir(options, paths);
  if (fs.df->parsed()) return cli::fs_df(options);
  return std::nullopt;
}

std::optional<int> run_volume_command(const fs_subcommands& fs, const cli_options& options, fs_volume_text& text) {
  auto& volume = text.volume;
  if (fs.volume_list->parsed()) volume.op = "list";
  else if (fs.volume_create->parsed()) volume.op = "create";
  else if (fs.volume_quota->parsed()) volume.op = "quota";
  else return std::nullopt;
  auto size = cli::parse_size(text.size);
  if (!size) {
    std::cerr << "bucky fs volume " << volume.op << ": " << size.error().message() << "\n";
    return 2;
  }
  volume.limit_bytes = *size;
  return cli::fs_volume(options, volume);
}

}  // namespace

namespace {

int run(int argc, char** argv) {
  auto options = options_from_environment();
  CLI::App app{"bucky: manage a BuckyOS zone", "bucky"};
  app.set_version_flag("--version", std::string("bucky ") + BUCKY_VERSION);
  app.require_subcommand(1);
  app.add_option("--key", options.key_path, "admin key file (env BUCKY_KEY)");
  app.add_option("--zone", options.zone_path,
                 "the zone's signed config file: its nodes, and the owner key by default (env BUCKY_ZONE)");
  app.add_option("--peers", options.peers_path, "development nodes: peers file listing them (env BUCKY_PEERS)");
  app.add_option("--zone-id", options.zone_id, "zone name (default local)");
  app.add_option("--timeout-ms", options.timeout_ms, "how long to wait for nodes and answers")->check(CLI::Range(1, 600'000));
  app.add_flag("--json", options.json_output, "machine-readable output");
  auto* key = app.add_subcommand("key", "admin keys");
  key->require_subcommand(1);
  auto* key_create_cmd = key->add_subcommand("create", "create the admin key file if missing; print its public key");
  cli::zone_create_options zone_options;
  std::string zone_file, owner_text;
  auto* zone = app.add_subcommand("zone", "the zone: its owner key and signed zone config");
  zone->require_subcommand(1);
  auto* zone_create_cmd = zone->add_subcommand("create", "create the owner key and version 1 of the signed zone config");
  zone_create_cmd->add_option("zone_id", zone_options.zone_id, "the zone's name, a DNS name like home.example")->required();
  zone_create_cmd->add_option("--owner-key", zone_options.owner_key_path,
                              "where the owner key goes (default ~/.bucky/<zone_id>.owner.key)");
  zone_create_cmd->add_option("--out", zone_options.out_path, "the signed zone config file (default ./<zone_id>.zone)");
  zone_create_cmd
      ->add_option("--state-nodes", zone_options.state_nodes,
                   "the 1, 3 or 5 nodes (by name) that hold the zone state, comma-separated; fixed for the zone's life")
      ->delimiter(',')
      ->required();
  cli::node_command_options node_options;
  auto* node = app.add_subcommand("node", "the zone's machines: activate, list, remove (owner key), drain, undrain");
  node->require_subcommand(1);
  node->add_option("--owner-key", node_options.owner_key_path,
                   "owner key file (default: --key, else ~/.bucky/<zone_id>.owner.key)");
  auto* node_activate_cmd = node->add_subcommand("activate", "add a waiting machine to the zone as NODE_ID (or replace "
                                                             "the dead machine of NODE_ID)");
  node_activate_cmd->add_option("node_id", node_options.node_id, "the node's name in the zone")->required();
  node_activate_cmd->add_option("--at", node_options.at, "where the waiting bucky-node listens, <ip>:<port>")->required();
  node_activate_cmd->add_option("--node-key", node_options.node_key, "the key the waiting bucky-node printed")->required();
  node_activate_cmd->add_option("--address", node_options.address,
                                "where the node listens for the zone, <ip>:<port> (default: --at)");
  node_activate_cmd->add_flag("--gateway", node_options.gateway,
                              "a gateway node: a public machine that relays https://*.<zone_id> to the home nodes "
                              "(they dial it; it stores nothing, runs no app, holds no TLS key)");
  node_activate_cmd->add_option("--expires-s", node_options.expires_s, "the activation is void after this (default 600)")
      ->check(CLI::Range(1, 30 * 86'400));
  auto* node_list_cmd = node->add_subcommand("list", "the zone's nodes and whether each answers now");
  auto* node_remove_cmd = node->add_subcommand("remove", "take a node (not a state node) out of the zone; revokes its key");
  node_remove_cmd->add_option("node_id", node_options.node_id, "the node's name")->required();
  auto* node_drain_cmd = node->add_subcommand("drain", "move every service off a node and place none there");
  node_drain_cmd->add_option("node_id", node_options.node_id, "the node's name")->required();
  auto* node_undrain_cmd = node->add_subcommand("undrain", "let the scheduler place services on a drained node again");
  node_undrain_cmd->add_option("node_id", node_options.node_id, "the node's name")->required();
  auto* zone_show_cmd = zone->add_subcommand("show", "verify a signed zone config file and print it");
  zone_show_cmd->add_option("file", zone_file, "signed zone config file")->required();
  zone_show_cmd->add_option("--owner", owner_text, "the owner key you trust (base64url); default: the one it names");
  cli::zone_fetch_options fetch_options;
  auto* zone_fetch_cmd = zone->add_subcommand("fetch", "look a zone config up in DNS (TXT _bucky.<zone_id>) and verify it");
  zone_fetch_cmd->add_option("zone_id", fetch_options.zone_id, "the zone's name")->required();
  zone_fetch_cmd->add_option("--dns", fetch_options.dns_server, "DNS server to ask, <ip>:<port>")->required();
  zone_fetch_cmd->add_option("--owner", fetch_options.owner_key_text, "the owner key you trust (base64url)");
  zone_fetch_cmd->add_option("--out", fetch_options.out_path, "keep the verified signed config in this file");
  cli::zone_tls_options tls_options;
  auto* zone_ca_cmd = zone->add_subcommand("ca-cert", "print the zone CA's certificate: install it on your devices "
                                                      "to trust https://<zone_id>");
  zone_ca_cmd->add_option("--out", tls_options.out_path, "write it to this file instead");
  auto* zone_tls = zone->add_subcommand("tls", "the certificates the gateways serve (owner key)");
  zone_tls->require_subcommand(1);
  auto* zone_tls_issue = zone_tls->add_subcommand("issue", "issue each node a certificate from the zone CA (only where "
                                                           "missing, from another CA or ending within 30 days)");
  zone_tls_issue->add_option("--node", tls_options.node, "only this node");
  zone_tls_issue->add_flag("--force", tls_options.force, "issue anew even where the certificate is good");
  auto* zone_tls_load = zone_tls->add_subcommand("load", "serve a certificate from elsewhere (e.g. an ACME client's)");
  zone_tls_load->add_option("--cert", tls_options.cert_path, "the PEM chain, the server's certificate first")->required();
  zone_tls_load->add_option("--key-file", tls_options.key_path, "its unencrypted PEM private key")->required();
  zone_tls_load->add_option("--node", tls_options.node, "only this node (default: every node)");
  auto* zone_dns_cmd = zone->add_subcommand("dns", "print the DNS TXT record that publishes a zone config");
  zone_dns_cmd->add_option("file", zone_file, "signed zone config file")->required();
  zone_dns_cmd->add_option("--owner", owner_text, "the owner key you trust (base64url); default: the one it names");
  auto* status = app.add_subcommand("status", "show every node of the zone: up/down, actors, sessions");
  auto* ping = app.add_subcommand("ping", "round trip to a node's transport, or from it to another node (--via)");
  ping->add_option("node", options.node, "node to ask")->required();
  ping->add_option("--via", options.via, "the asked node forwards to this node and returns its answer");
  ping->add_option("--size", options.size_bytes, "payload bytes")->check(CLI::Range(0, 1'000'000));
  auto* kv = app.add_subcommand("kv", "the zone state: an etcd-like key-value store");
  kv->require_subcommand(1);
  kv->add_option("--node", options.node, "ask this node (default: any reachable node)");
  auto* kv_put = kv->add_subcommand("put", "write KEY = VALUE (linearizable, through the leader's log)");
  kv_put->add_option("key", options.key, "key")->required();
  kv_put->add_option("value", options.value, "value")->required();
  kv_put->add_option("--lease", options.lease, "attach the key to this lease (deleted when it ends)")
      ->check(CLI::NonNegativeNumber);
  auto* lease = kv->add_subcommand("lease", "leases: keys that live while someone keeps the lease alive");
  lease->require_subcommand(1);
  auto* lease_grant = lease->add_subcommand("grant", "grant a lease of TTL seconds; prints its id");
  lease_grant->add_option("ttl", options.ttl_s, "time to live in seconds")->required()->check(CLI::Range(1, 604'800));
  auto* lease_revoke = lease->add_subcommand("revoke", "end a lease now, deleting its keys");
  lease_revoke->add_option("id", options.lease, "lease id")->required()->check(CLI::PositiveNumber);
  auto* lease_keepalive = lease->add_subcommand("keepalive", "keep a lease alive (every TTL/3) until interrupted");
  lease_keepalive->add_option("id", options.lease, "lease id")->required()->check(CLI::PositiveNumber);
  lease_keepalive->add_flag("--once", options.once, "renew once and exit");
  auto* kv_get = kv->add_subcommand("get", "read KEY (linearizable unless --serializable); exit 1 if absent");
  kv_get->add_option("key", options.key, "key (or prefix with --prefix)")->required();
  kv_get->add_flag("--prefix", options.prefix, "every key that starts with KEY");
  kv_get->add_flag("--serializable", options.serializable, "read the asked node's applied state, without the log");
  auto* kv_range = kv->add_subcommand("range", "read every key in [KEY, END) (END \"\\0\" style: use --prefix on get)");
  kv_range->add_option("key", options.key, "first key")->required();
  kv_range->add_option("end", options.range_end, "end of the range, exclusive")->required();
  kv_range->add_flag("--serializable", options.serializable, "read the asked node's applied state, without the log");
  auto* acl = app.add_subcommand("acl", "who may read or write which keys (acl_config at /system/acl)");
  acl->require_subcommand(1);
  auto* acl_get = acl->add_subcommand("get", "print the rules in force and their revision");
  auto* acl_set = acl->add_subcommand("set", "replace the rules with a JSON file, if still at --revision");
  acl_set->add_option("file", options.value, "JSON: {\"rules\": [{\"who\", \"prefix\", \"access\"}, ...]}")->required();
  acl_set->add_option("--revision", options.expected_revision, "the revision bucky acl get showed (0: none stored yet)")
      ->required()
      ->check(CLI::NonNegativeNumber);
  auto* user = app.add_subcommand("user", "people besides the owner who administer the zone (/users/<name>)");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "admit a person's key (from bucky key create) as admin NAME");
  user_add->add_option("name", options.key, "a name: one DNS label, not \"owner\"")->required();
  user_add->add_option("--public-key", options.value,
                       "their public key, 43 characters base64url (none: they get a key their password opens, "
                       "read from stdin)");
  user_add->add_option("--role", options.role, "writer (default: reads all, writes /home/NAME/), reader, or admin")
      ->check(CLI::IsMember({"writer", "reader", "admin"}));
  auto* user_list = user->add_subcommand("list", "the users and their keys");
  auto* user_remove = user->add_subcommand("remove", "take a user's key out; nodes close its sessions");
  user_remove->add_option("name", options.key, "the user's name")->required();
  auto* user_passwd = user->add_subcommand("passwd", "set the password NAME (or \"owner\") signs in to the gateway "
                                                      "with, read from stdin");
  user_passwd->add_option("name", options.key, "the user's name, or owner")->required();
  cli::service_options service_options;
  auto* service = app.add_subcommand("service", "services the scheduler places and the nodes keep running");
  service->require_subcommand(1);
  auto* service_add = service->add_subcommand("add", "add (or with --revision, replace) a service: NAME -- COMMAND ARGS...");
  service_add->add_option("name", service_options.name, "the service's name (one DNS label)");
  service_add->add_option("command", service_options.command, "after --: absolute path of the program, then its arguments");
  service_add->add_option("--file", service_options.file, "a JSON spec (see README) instead of the flags");
  service_add->add_option("--instances", service_options.instances, "how many, at most one per node (default 1)")
      ->check(CLI::Range(1, 64));
  service_add->add_option("--node", service_options.nodes, "only on these nodes (repeat; default any node)");
  service_add->add_option("--restart", service_options.restart, "always (default), on-failure or never");
  service_add->add_option("--env", service_options.env, "NAME=VALUE for its environment (repeat)");
  service_add->add_option("--port", service_options.ports, "a TCP port it listens on (repeat; reported)");
  service_add->add_option("--work-dir", service_options.work_dir, "absolute; default <data_dir>/services/<name>");
  service_add->add_option("--kind", service_options.kind, "app (default) or kernel");
  service_add->add_option("--memory-mb", service_options.memory_mb, "address-space limit (RLIMIT_AS); 0 none");
  service_add->add_option("--revision", service_options.revision, "replace the spec at this revision (bucky service list)");
  service_add->add_option("--wait-ms", service_options.wait_ms, "wait until every instance runs; print how long it took")
      ->check(CLI::Range(0, 3'600'000));
  auto* service_remove = service->add_subcommand("remove", "remove a service: its instances stop");
  service_remove->add_option("name", service_options.name, "the service")->required();
  auto* service_list = service->add_subcommand("list", "the service specs and their revisions");
  auto* service_status = service->add_subcommand("status", "every instance: node, state, pid, restarts, last exit");
  service_status->add_option("name", service_options.name, "only this service");
  std::string token_name;
  std::uint64_t token_valid_s = 86'400;
  auto* api_token = app.add_subcommand("api-token", "print a bearer token for the etcd v3 JSON API (bucky-node --api-listen)");
  api_token->add_option("--name", token_name, "the user the --key belongs to (default: the owner, for the owner key)");
  api_token->add_option("--valid-s", token_valid_s, "how long it is valid (default 86400, at most 90 days)")
      ->check(CLI::Range(1, 90 * 86'400));
  cli::fault_options fault_options;
  auto* fault = app.add_subcommand("fault", "inject faults into a test zone (nodes run with BUCKY_FAULT_INJECTION=1)");
  fault->require_subcommand(1);
  auto* fault_partition_cmd = fault->add_subcommand("partition", "cut links: nodes reach each other only within a group");
  fault_partition_cmd->add_option("groups", fault_options.groups, "groups like n1,n2|n3 (a node may be in several)")
      ->required();
  auto* fault_heal_cmd = fault->add_subcommand("heal", "every link and every disk healthy again");
  auto* fault_disk_cmd = fault->add_subcommand("disk", "make a node's zone-state disk slow or full (neither: healthy)");
  fault_disk_cmd->add_option("node", fault_options.node, "node")->required();
  fault_disk_cmd->add_option("--delay-ms", fault_options.delay_ms, "wait this long before every commit")
      ->check(CLI::Range(0, 10'000));
  fault_disk_cmd->add_flag("--full", fault_options.full, "every commit fails: no space left on device");
  auto* fault_clock_cmd = fault->add_subcommand("clock", "jump a node's zone-state clock forward");
  fault_clock_cmd->add_option("node", fault_options.node, "node")->required();
  fault_clock_cmd->add_option("--jump-ms", fault_options.jump_ms, "how far forward")->required()->check(CLI::Range(1, 86'400'000));
  auto* fault_show_cmd = fault->add_subcommand("show", "the faults each node has now");
  auto* kv_del = kv->add_subcommand("del", "delete KEY (or every key with the prefix)");
  kv_del->add_option("key", options.key, "key")->required();
  kv_del->add_flag("--prefix", options.prefix, "every key that starts with KEY");
  auto* kv_watch = kv->add_subcommand("watch", "print every change of KEY (or the prefix), in order, as it happens");
  kv_watch->add_option("key", options.key, "key")->required();
  kv_watch->add_flag("--prefix", options.prefix, "every key that starts with KEY");
  kv_watch->add_option("--from", options.from_revision, "start at this revision (default: changes after now)")
      ->check(CLI::NonNegativeNumber);
  kv_watch->add_option("--count", options.count, "exit after this many changes (default: run until interrupted)")
      ->check(CLI::Range(0, 1'000'000'000));
  cli::fs_options fs_paths;
  fs_volume_text volume_text;
  const auto fs = add_fs_commands(app, options, fs_paths, volume_text);
  cli::app_command_line app_line;
  cli::add_app_commands(app, app_line);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // help of the subcommand asked about
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(2, fmt::format("{}; see bucky --help", e.what()));
  }
  if (auto logged = bucky::logging::init({"bucky", spdlog::level::warn, "", true}); !logged.is_ok()) {
    return fail(1, logged.to_string());
  }
  if (key_create_cmd->parsed()) return key_create(options);
  if (zone_create_cmd->parsed()) {
    zone_options.json_output = options.json_output;
    return cli::zone_create(zone_options);
  }
  node_options.zone_path = options.zone_path;
  if (node_options.owner_key_path.empty()) node_options.owner_key_path = options.key_path;
  node_options.timeout_ms = options.timeout_ms;
  node_options.json_output = options.json_output;
  if (node_activate_cmd->parsed()) return cli::node_activate(node_options);
  if (node_list_cmd->parsed()) return cli::node_list(node_options);
  if (node_remove_cmd->parsed()) return cli::node_remove(node_options);
  if (node_drain_cmd->parsed()) return cli::node_drain(options, node_options.node_id, true);
  if (node_undrain_cmd->parsed()) return cli::node_drain(options, node_options.node_id, false);
  if (zone_show_cmd->parsed()) return cli::zone_show(zone_file, owner_text, options.json_output);
  if (zone_dns_cmd->parsed()) return cli::zone_dns(zone_file, owner_text);
  if (zone_ca_cmd->parsed()) return cli::zone_ca_cert_command(options, tls_options);
  if (zone_tls_issue->parsed()) return cli::zone_tls_issue_command(options, tls_options);
  if (zone_tls_load->parsed()) return cli::zone_tls_load_command(options, tls_options);
  if (zone_fetch_cmd->parsed()) {
    fetch_options.timeout_ms = options.timeout_ms;
    fetch_options.json_output = options.json_output;
    return cli::zone_fetch(fetch_options);
  }
  if (auto done = run_fs_command(fs, options, fs_paths)) return *done;
  if (auto done = cli::run_app_command(app_line, options)) return *done;
  if (auto done = run_volume_command(fs, options, volume_text)) return *done;
  if (status->parsed()) return status_command(options);
  if (ping->parsed()) return ping_command(options);
  if (kv_put->parsed()) return kv_command(options, kv_op_kind::put);
  if (kv_get->parsed()) return kv_command(options, kv_op_kind::range);
  if (kv_del->parsed()) return kv_command(options, kv_op_kind::delete_range);
  if (kv_range->parsed()) return kv_command(options, kv_op_kind::range);
  if (acl_get->parsed()) return acl_get_command(options);
  if (acl_set->parsed()) return acl_set_command(options);
  if (kv_watch->parsed()) return watch_command(options);
  if (api_token->parsed()) return api_token_command(options, token_name, token_valid_s);
  if (service_add->parsed()) return cli::service_add(options, service_options);
  if (service_remove->parsed()) return cli::service_remove(options, service_options);
  if (service_list->parsed()) return cli::service_list(options);
  if (service_status->parsed()) return cli::service_status(options, service_options);
  if (user_add->parsed()) return user_add_command(options);
  if (user_list->parsed()) return user_list_command(options);
  if (user_remove->parsed()) return user_remove_command(options);
  if (user_passwd->parsed()) return user_passwd_command(options);
  if (fault_partition_cmd->parsed()) return cli::fault_partition(options, fault_options);
  if (fault_heal_cmd->parsed()) return cli::fault_heal(options);
  if (fault_disk_cmd->parsed()) return cli::fault_disk(options, fault_options);
  if (fault_clock_cmd->parsed()) return cli::fault_clock(options, fault_options);
  if (fault_show_cmd->parsed()) return cli::fault_show(options);
  if (lease_grant->parsed()) return lease_command(options, kv_op_kind::lease_grant);
  if (lease_revoke->parsed()) return lease_command(options, kv_op_kind::lease_revoke);
  if (lease_keepalive->parsed()) return lease_command(options, kv_op_kind::lease_keepalive);
  return fail(2, "no command; see bucky --help");
}

}  // namespace

// Whatever a command throws ends it with the reason, never with std::terminate.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return fail(1, fmt::format("internal error: {} (a bug: please report it with the command line)", e.what()));
  }
}
