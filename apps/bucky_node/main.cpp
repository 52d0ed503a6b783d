// bucky-node: parse flags, lock the data dir, set up logging, start the actor
// system with node_daemon at its root, and turn node_daemon's end into the exit
// code: 0 after SIGTERM/SIGINT, 1 when supervision gave up, 2 for usage errors.
#include <utility>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <malloc.h>
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
#include "apps/bucky_node/boot.hpp"
#include "apps/bucky_node/options.hpp"
#include "net/key_file.hpp"
#include "net/node_identity.hpp"
#include "storage/data_dir.hpp"

namespace {

using namespace bucky;

constexpr std::size_t log_tail_lines_max = 2'000;
constexpr auto table_query_timeout = std::chrono::seconds(3);
constexpr auto print_actors_wait_ms_max = std::chrono::milliseconds(10'000);

// Chunks cross the node in buffers of 1 MiB and more (frames, envelopes, chunk
// files). glibc's defaults hand such buffers back to the kernel when freed, so the
// next one page-faults in again and is zeroed: perf showed that as most of a
// node's time while storing chunks, and these two settings took rewrites of chunks
// the holders already had from ~55 to ~150 MB/s through the mount (BENCHMARKS.md).
// Freed memory up to trim_bytes stays in the process for the next chunk.
void keep_freed_buffers() {
  constexpr int mmap_threshold_bytes = 32 << 20;  // above the largest frame (4 MiB + header)
  constexpr int trim_bytes = 128 << 20;
  mallopt(M_MMAP_THRESHOLD, mmap_threshold_bytes);
  mallopt(M_TRIM_THRESHOLD, trim_bytes);
}

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

// CAF's workers poll "moderately" (a 50 us sleep, 500 times) after every job before
// they sleep on a condition variable. With the zone state's 10 ms tick an idle node
// never got past that phase: each worker woke 20,000 times a second (~15 % of a
// core per node, idle). Without the moderate phase an idle worker waits on its
// condition variable, which an enqueue wakes at once.
void tune_scheduler(caf::actor_system_config& config) {
  config.set("work-stealing.moderate-poll-attempts", std::size_t{0});
}

int run_node(const node_options& options, const boot_plan& plan, std::shared_ptr<ring_sink> tail) {
  auto log = logging::get("bucky-node");
  caf::actor_system_config caf_config;
  tune_scheduler(caf_config);
  caf::actor_system system{caf_config};
  // The signals are taken before any child starts: a SIGINT or SIGTERM that comes
  // while they start waits for the handler below instead of killing the process.
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGUSR1);
  if (fault_injection_enabled()) signals.add(SIGUSR2);
  auto daemon = spawn_node_daemon(system, make_daemon_config(options, plan, std::move(tail)));

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
  plan.processes->terminate_all(10'000);
  log->info("bucky-node exits with status {}", exit_code);
  logging::flush();
  return exit_code;
}

// After an activation the data dir holds an identity: boot again from the start
// (same pid, same flags) as a member of the zone. Without one (stopped while
// waiting) the node simply ends.
int boot_again(const node_options& options, char** argv) {
  auto identity = net::load_node_identity(options.data_dir);
  if (!identity || !*identity) return 0;
  logging::get("bucky-node")->info("activated as node {} of zone {}: booting again", (*identity)->node_id,
                                   (*identity)->zone_id);
  logging::flush();
  ::execv("/proc/self/exe", argv);
  std::fprintf(stderr, "bucky-node: cannot boot again after activation: %s\n", std::strerror(errno));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_buffers();
  auto parsed = bucky::parse_node_options(argc, argv);
  if (auto* early = std::get_if<bucky::early_exit>(&parsed)) {
    std::fputs(early->text.c_str(), early->exit_code == 0 ? stdout : stderr);
    return early->exit_code;
  }
  auto options = std::get<bucky::node_options>(parsed);
  // Works beside a running node (no data dir lock): it reads the key, making it
  // the first time (once, 0600).
  if (options.print_key_and_exit) {
    std::error_code ignored;
    std::filesystem::create_directories(options.data_dir, ignored);
    auto key = bucky::net::load_or_create_key_file(options.data_dir + "/" + bucky::net::key_file_name);
    if (!key) {
      std::fprintf(stderr, "bucky-node: %s\n", key.error().message().c_str());
      return 2;
    }
    std::printf("%s\n", key->public_part().to_text().c_str());
    return 0;
  }
  auto data_dir = bucky::open_data_dir(options.data_dir);
  if (!data_dir) {
    std::fprintf(stderr, "bucky-node: %s\n", data_dir.error().message().c_str());
    return 2;
  }
  auto planned = bucky::plan_boot(options);
  if (auto* failure = std::get_if<bucky::boot_failure>(&planned)) {
    std::fprintf(stderr, "bucky-node: %s\n", failure->message.c_str());
    return failure->exit_code;
  }
  auto& plan = std::get<bucky::boot_plan>(planned);
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
  bucky::report_boot(options, plan);
  int exit_code = run_node(options, plan, std::move(tail));
  if (exit_code == 0 && plan.mode == bucky::node_mode::waiting) return boot_again(options, argv);
  return exit_code;
}
