// The control panel's JSON API (issue 21): what the gateway's /api/ calls do, as
// the signed-in person, through the bucky CLI's own calls (apps/bucky: an admin
// session opened with the person's key, kv_call, fs_call, the user commands'
// functions), so every panel action is a CLI command with the same ACL:
//
//   GET  nodes                     bucky status (and node list): each node, up or
//                                  down, role, actors, restarts and budget,
//                                  sessions, services, disk; the zone state's
//                                  leader, revision and each replica's lag
//   GET  apps                      bucky app list + status
//   GET  repo?q=WORD               bucky app search WORD
//   GET  apps/offer?name=APP       what bucky app install APP shows before it asks
//   POST apps/install {name, content_id, answers: [bool per ask]}
//                                  bucky app install APP, answering each ask (only
//                                  if APP is still the package content_id shown)
//   POST apps/remove {name, purge}  bucky app remove APP [--purge]
//   POST apps/public {name, public} bucky app public APP [--off]
//   GET  files/list?path=P         bucky fs ls P
//   GET  files/get?path=P          bucky fs get P -
//   PUT  files/put?path=P          bucky fs put - P (the body)
//   POST files/mkdir?path=P        bucky fs mkdir -p P
//   POST files/remove?path=P       bucky fs rm P
//   GET  users                     bucky user list
//   POST users/add {name, role, password}      bucky user add NAME --role R
//   POST users/remove {name}                   bucky user remove NAME
//   POST users/passwd {name, password}         bucky user passwd NAME
//
// Answers are JSON ({"error": words} on failure, with the HTTP status of the
// failure: 400 bad input, 403 refused, 404 absent, 409 conflict, 503 unreachable).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actors/gateway/api_backend.hpp"
#include "net/trusted_peers.hpp"

namespace bucky::panel {

struct panel_backend_config {
  std::string zone_id;
  std::shared_ptr<net::trusted_peers> peers;  // the nodes to dial, as the node knows them now
  std::vector<std::string> state_nodes;
  std::uint64_t timeout_ms = 5'000;
  std::uint64_t file_bytes_max = 64ull << 20;  // one upload or download
};

std::shared_ptr<gateway::api_backend> make_panel_backend(panel_backend_config config);

// The panel's static files, built into the program (apps/panel/www/).
std::shared_ptr<const gateway::web_assets> panel_assets();

}  // namespace bucky::panel
