// bucky-inspect: a live view of a zone's nodes and actors, like Erlang's observer.
//   bucky-inspect --zone FILE [--key FILE]           interactive (ncurses)
//   bucky-inspect --zone FILE --once [--json]        one snapshot on stdout
// It connects to every node over the authenticated transport with an owner or
// admin key; a key no node admits is reported as such. Exit codes: 0 ok, 1 the
// zone could not be reached, 2 usage.
#include <utility>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "actors/runtime/logging.hpp"
#include "apps/bucky/session.hpp"
#include "apps/bucky_inspect/collector.hpp"
#include "apps/bucky_inspect/tui.hpp"
#include "apps/bucky_inspect/view_model.hpp"

using namespace bucky;
using namespace bucky::inspect;

namespace {


int fail(int code, const std::string& message) {
  std::cerr << "bucky-inspect: " << message << "\n";
  return code;
}

// Two samples refresh_ms apart, so message rates are known.
int print_once(collector& source, bool json, std::uint64_t refresh_ms) {
  source.collect();
  std::this_thread::sleep_for(std::chrono::milliseconds(refresh_ms));
  auto zone = source.collect();
  if (json) {
    std::cout << to_json(zone).dump(2) << "\n";
  } else {
    ui_state ui;
    auto lines = render(zone, {}, ui, 120, static_cast<int>(zone.nodes.size()) + 8);
    lines.pop_back();  // the key hints
    for (const auto& line : lines) {
      if (!line.text.empty()) std::cout << line.text << "\n";
    }
  }
  for (const auto& node : zone.nodes) {
    if (!node.up) return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = cli::options_from_environment();
  bool once = false;
  std::uint64_t refresh_ms = 1'000;
  std::uint64_t call_timeout_ms = 800;
  tui_options tui;
  CLI::App app{"bucky-inspect: a live view of a zone's nodes, actors, sessions, services and logs", "bucky-inspect"};
  app.add_option("--zone", options.zone_path, "the zone's signed config file (env BUCKY_ZONE)");
  app.add_option("--key", options.key_path, "owner or admin key file (default: the zone's owner key; env BUCKY_KEY)");
  app.add_option("--peers", options.peers_path, "development nodes: peers file listing them (env BUCKY_PEERS)");
  app.add_option("--zone-id", options.zone_id, "zone name with --peers (default local)");
  app.add_option("--timeout-ms", options.timeout_ms, "how long to wait for sessions at the start")
      ->check(CLI::Range(1, 600'000));
  app.add_option("--call-timeout-ms", call_timeout_ms, "longest wait for one node's answer")->check(CLI::Range(50, 60'000));
  app.add_option("--refresh-ms", refresh_ms, "time between snapshots")->check(CLI::Range(100, 60'000));
  app.add_option("--node", tui.start_node, "open this node's view first");
  app.add_flag("--once", once, "print one snapshot and exit (exit 1 if a node is down)");
  app.add_flag("--json", options.json_output, "with --once: the snapshot as JSON");
  CLI11_PARSE(app, argc, argv);
  // Warnings to stderr for scripts; nothing while curses owns the terminal.
  if (auto logged = logging::init({"bucky-inspect", spdlog::level::warn, "", once}); !logged.is_ok()) {
    return fail(1, logged.to_string());
  }
  if (options.json_output && !once) return fail(2, "--json needs --once (the interactive view has no JSON)");
  if (!once && !isatty(STDOUT_FILENO)) return fail(2, "stdout is not a terminal: use --once [--json] in scripts");

  auto session = cli::open_session(options);
  if (!session) return fail(session.error().code() == status_code::invalid_argument ? 2 : 1, session.error().message());
  if (session->client->connected().empty()) {
    return fail(1, fmt::format("no node of zone {} admitted a session within {} ms: they are down, or key {} is neither "
                               "the owner's nor an admin's (the owner adds one with: bucky user add NAME --public-key {})",
                               session->zone_id, options.timeout_ms, session->public_key, session->public_key));
  }
  collector source(*session, options, call_timeout_ms);
  if (!tui.start_node.empty() && !session->peers.node(tui.start_node)) {
    return fail(2, fmt::format("--node {}: zone {} has no such node", tui.start_node, session->zone_id));
  }
  tui.refresh_ms = refresh_ms;
  if (once) return print_once(source, options.json_output, refresh_ms);
  return run_tui(source, tui);
}
