// bucky-node: parse flags, lock the data dir, set up logging, start the actor
// system with node_daemon at its root, and turn node_daemon's end into the exit
// code: 0 after SIGTERM/SIGINT, 1 when supervision gave up, 2 for usage errors.
#include <utility>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <thread>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <caf/all.hpp>

#include "actors/log_tail/actor.hpp"
#include "actors/node_daemon/actor.hpp"
#include "actors/node_daemon/table_format.hpp"
#include "actors/paxos/actor.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/transport/actor.hpp"
#include "apps/bucky_node/options.hpp"
#include "net/key_file.hpp"
#include "net/node_identity.hpp"
#include "storage/data_dir.hpp"

namespace {

using namespace bucky;

constexpr std::size_t log_tail_lines_max = 2'000;
constexpr auto table_query_timeout = std::chrono::seconds(3);
constexpr auto print_actors_wait_ms_max = std::chrono::milliseconds(10'000);

std::optional<actor_table> query_table(caf::actor_system& system, const caf::actor& daemon) {
  caf::scoped_actor self{system};
  std::optional<actor_table> table;
  self->request(daemon, table_query_timeout, table_atom::value)
      .receive([&](actor_table& answer) { table = std::move(answer); },
               [&](caf::error&) {});
  return table;
}

void print_table(caf::actor_system& system, const caf::actor& daemon) {
  if (auto table = query_table(system, daemon)) {
    std::cout << format_actor_table(*table) << std::flush;
  } else {
    logging::get("bucky-node")->warn("node_daemon did not answer the actor table query");
  }
}

bool all_running(const actor_table& table) {
  for (const auto& row : table.actors) {
    if (row.state != actor_state::running) return false;
  }
  return true;
}

// --print-actors: wait (bounded) until every child runs, print, then stop.
void print_when_running(caf::actor_system& system, const caf::actor& daemon) {
  auto deadline = std::chrono::steady_clock::now() + print_actors_wait_ms_max;
  std::optional<actor_table> table;
  do {
    table = query_table(system, daemon);
    if (table && all_running(*table)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  if (table) std::cout << format_actor_table(*table) << std::flush;
  caf::anon_send(daemon, shutdown_atom::value);
}

// Test hook (BUCKY_FAULT_INJECTION=1): SIGUSR2 crashes every running child once.
void crash_every_child(caf::actor_system& system, const caf::actor& daemon) {
  auto table = query_table(system, daemon);
  if (!table) return;
  logging::get("bucky-node")->warn("fault injection: crashing every child");
  for (const auto& row : table->actors) {
    auto child = system.registry().get<caf::actor>(caf::atom_from_string(row.name));
    if (child) caf::anon_send(child, crash_atom::value);
  }
}

// Boot step 1 (DESIGN §4): a data dir that joined a zone names the node and the zone
// in its identity file; flags may repeat those names but not contradict them.
// Without the file the node runs as a development node named by its flags.
result<std::optional<net::node_identity>> adopt_identity_file(node_options& options) {
  auto identity = net::load_node_identity(options.data_dir);
  if (!identity || !*identity) return identity;
  const auto& file = **identity;
  auto path = options.data_dir + "/" + net::identity_file_name;
  if (options.node_id_given && options.node_id != file.node_id) {
    return status(status_code::invalid_argument,
                  fmt::format("--node-id {} contradicts {}, which says {}: drop the flag or use another data dir",
                              options.node_id, path, file.node_id));
  }
  if (options.zone_id_given && options.zone_id != file.zone_id) {
    return status(status_code::invalid_argument,
                  fmt::format("--zone-id {} contradicts {}, which says {}: drop the flag or use another data dir",
                              options.zone_id, path, file.zone_id));
  }
  options.node_id = file.node_id;
  options.zone_id = file.zone_id;
  return identity;
}

// What a node needs before any actor starts: its key and whom it trusts. A bad key
// file or peers file is a usage problem (exit 2), reported in one line.
struct node_identity {
  std::shared_ptr<const net::key_pair> key;
  net::peer_directory peers;
};

result<node_identity> load_identity(const node_options& options) {
  auto key = net::load_or_create_key_file(options.data_dir + "/" + net::key_file_name);
  if (!key) return key.error();
  node_identity identity{std::make_shared<const net::key_pair>(*key), {}};
  std::string peers_path = options.peers_path;
  if (peers_path.empty() && ::access((options.data_dir + "/peers").c_str(), F_OK) == 0) {
    peers_path = options.data_dir + "/peers";
  }
  if (!peers_path.empty()) {
    auto peers = net::peer_directory::load(peers_path);
    if (!peers) return peers.error();
    identity.peers = std::move(*peers);
  }
  return identity;
}

node_daemon_config make_daemon_config(const node_options& options, const node_identity& identity,
                                      std::shared_ptr<ring_sink> tail) {
  node_daemon_config config;
  config.node_id = options.node_id;
  config.intensity = {options.restarts_max, options.restart_period_ms};
  config.children.push_back(
      {"log_tail", restart_type::permanent, restart_strategy::one_for_one,
       spawn_component<log_tail_actor>(std::move(tail)), 1'000});
  transport_config transport;
  transport.node_id = options.node_id;
  transport.key = identity.key;
  transport.peers = identity.peers;
  transport.listen_host = options.listen_host;
  transport.listen_port = options.listen_port;
  transport.connection.zone_id = options.zone_id;
  config.children.push_back({"transport", restart_type::permanent, restart_strategy::one_for_one,
                             [transport](caf::actor_system& system, const child_context& context) {
                               return spawn_transport(system, context, transport);
                             },
                             3'000});
  // Until the signed zone config names the state nodes (issue 5), every node of the
  // peers file holds a replica, in node_id order.
  paxos_config paxos;
  paxos.node_id = options.node_id;
  paxos.state_dir = options.data_dir + "/state";
  paxos.log_retain_slots = options.log_retain_slots;
  paxos.compaction_step_slots = std::max<std::uint64_t>(1, options.log_retain_slots / 10);
  for (const auto& entry : identity.peers.entries()) {
    if (entry.identity.role == net::peer_identity::kind::node) paxos.replicas.push_back(entry.identity.name);
  }
  std::sort(paxos.replicas.begin(), paxos.replicas.end());
  if (std::find(paxos.replicas.begin(), paxos.replicas.end(), options.node_id) != paxos.replicas.end()) {
    config.children.push_back({"paxos", restart_type::permanent, restart_strategy::one_for_one,
                               [paxos](caf::actor_system& system, const child_context& context) {
                                 return spawn_paxos(system, context, paxos);
                               },
                               3'000});
  }
  return config;
}

int run_node(const node_options& options, const node_identity& identity, std::shared_ptr<ring_sink> tail) {
  auto log = logging::get("bucky-node");
  caf::actor_system_config caf_config;
  caf::actor_system system{caf_config};
  auto daemon = spawn_node_daemon(system, make_daemon_config(options, identity, std::move(tail)));

  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGUSR1);
  if (fault_injection_enabled()) signals.add(SIGUSR2);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& error, int number) {
        if (error) return;
        if (number == SIGUSR1) {
          print_table(system, daemon);
        } else if (number == SIGUSR2) {
          crash_every_child(system, daemon);
        } else {
          log->info("received {}; stopping", number == SIGINT ? "SIGINT" : "SIGTERM");
          caf::anon_send(daemon, shutdown_atom::value);
        }
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  std::thread signal_thread([&] { io.run(); });

  caf::scoped_actor self{system};
  self->monitor(daemon);
  if (options.print_actors_and_exit) print_when_running(system, daemon);
  int exit_code = 1;
  self->receive([&](caf::down_msg& down) {
    exit_code = down.reason ? 1 : 0;
    if (down.reason) log->critical("node_daemon ended: {}", describe_exit_reason(down.reason));
  });
  io.stop();
  signal_thread.join();
  log->info("bucky-node exits with status {}", exit_code);
  logging::flush();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = bucky::parse_node_options(argc, argv);
  if (auto* early = std::get_if<bucky::early_exit>(&parsed)) {
    std::fputs(early->text.c_str(), early->exit_code == 0 ? stdout : stderr);
    return early->exit_code;
  }
  auto options = std::get<bucky::node_options>(parsed);
  auto data_dir = bucky::open_data_dir(options.data_dir);
  if (!data_dir) {
    std::fprintf(stderr, "bucky-node: %s\n", data_dir.error().message().c_str());
    return 2;
  }
  auto joined = adopt_identity_file(options);
  if (!joined) {
    std::fprintf(stderr, "bucky-node: %s\n", joined.error().message().c_str());
    return 2;
  }
  auto identity = load_identity(options);
  if (!identity) {
    std::fprintf(stderr, "bucky-node: %s\n", identity.error().message().c_str());
    return 2;
  }
  if (options.print_key_and_exit) {
    std::printf("%s\n", identity->key->public_part().to_text().c_str());
    return 0;
  }
  bucky::logging::log_config log_config;
  log_config.node_id = options.node_id;
  log_config.level = options.log_level;
  log_config.file_path = options.data_dir + "/bucky-node.log";
  if (auto logged = bucky::logging::init(log_config); !logged.is_ok()) {
    std::fprintf(stderr, "bucky-node: %s\n", logged.message().c_str());
    return 2;
  }
  if (const char* faults = std::getenv("BUCKY_FAULT_INJECTION"); faults && faults == std::string("1")) {
    bucky::set_fault_injection(true);
    bucky::logging::get("bucky-node")->warn("fault injection is on (BUCKY_FAULT_INJECTION=1)");
  }
  auto tail = std::make_shared<bucky::ring_sink>(log_tail_lines_max);
  bucky::logging::add_sink(tail);
  bucky::logging::get("bucky-node")
      ->info("bucky-node {} starting (data dir {}, pid {})", BUCKY_VERSION, options.data_dir,
             ::getpid());
  if (*joined) {
    bucky::logging::get("bucky-node")
        ->info("boot: identity: node {} of zone {}, owner key {}", options.node_id, options.zone_id,
               (*joined)->owner_key.to_text());
  } else {
    bucky::logging::get("bucky-node")
        ->info("boot: no identity file in {}: development node {} of zone {} (names from flags, trust from the "
               "peers file)",
               options.data_dir, options.node_id, options.zone_id);
  }
  return run_node(options, *identity, std::move(tail));
}
