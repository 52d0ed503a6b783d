// gateway ("gateway"): the zone in a browser (DESIGN §10.3, issue 21). On every node
// with --gateway-listen it serves HTTPS (net/https_server.hpp) with the certificate
// the owner issued to this node (net/gateway_tls.hpp), and plain HTTP that only
// redirects:
//
//   https://<zone_id>/            the control panel (static files) and its JSON API
//                                 under /api/: sign-in with a password, then each call
//                                 made as that person by the backend (api_backend.hpp)
//   https://<app>.<zone_id>/      the app, on whichever node runs it: this node's
//                                 through the app's loopback port, another's over the
//                                 transport to that node's gateway; the signed-in person
//                                 passed on (X-Bucky-User, X-Bucky-Role)
//
// Everything about a request is decided on this actor's thread (sessions, the
// sign-in guard, where apps run); what blocks (Argon2id, backend calls, the app's
// answer) runs on a bounded pool of worker threads and comes back as a step.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <caf/actor.hpp>

#include "actors/gateway/api_backend.hpp"
#include "actors/runtime/component.hpp"
#include "net/keys.hpp"
#include "net/trusted_peers.hpp"

namespace bucky {

inline constexpr const char* gateway_actor = "gateway";

struct gateway_config {
  std::string node_id;
  std::string zone_id;
  std::string listen_host = "127.0.0.1";
  std::uint16_t https_port = 0;
  std::optional<std::uint16_t> http_port;  // redirects to HTTPS
  std::shared_ptr<const net::key_pair> node_key;  // opens this node's TLS key
  std::shared_ptr<net::trusted_peers> peers;      // the owner and the users, with their keys and roles
  std::shared_ptr<gateway::api_backend> backend;  // none: the API answers 503
  std::shared_ptr<const gateway::web_assets> assets;
  std::uint64_t refresh_ms = 2'000;         // where apps run; the certificate
  std::size_t workers = 4;
  std::size_t pending_max = 128;            // calls queued for the workers; past it 503
  std::size_t sign_ins_max = 2;             // Argon2id at once (256 MiB each)
  std::size_t event_streams_max = 128;
  std::uint64_t api_timeout_ms = 15'000;
  std::uint64_t app_timeout_ms = 30'000;
};

caf::actor spawn_gateway(caf::actor_system& system, const child_context& context, gateway_config config);

}  // namespace bucky
