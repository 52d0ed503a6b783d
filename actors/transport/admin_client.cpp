#include "actors/transport/admin_client.hpp"

#include <thread>

#include <caf/all.hpp>

#include "actors/runtime/atoms.hpp"

namespace bucky {

std::set<std::string> connected_peers(caf::actor_system& system, const caf::actor& transport) {
  caf::scoped_actor self{system};
  std::set<std::string> out;
  self->request(transport, std::chrono::seconds(3), sessions_atom::value)
      .receive(
          [&](std::vector<net::session_info>& sessions) {
            for (auto& s : sessions) {
              if (s.established) out.insert(s.peer);
            }
          },
          [](caf::error&) {});
  return out;
}

admin_client::admin_client(const net::key_pair& key, net::peer_directory peers, std::string name,
                           std::string zone_id)
    : system_(config_) {
  transport_config config;
  config.node_id = std::move(name);
  config.admin_client = true;
  config.key = std::make_shared<net::key_pair>(key);
  config.peers = std::make_shared<net::trusted_peers>(std::move(peers));
  config.connection.zone_id = std::move(zone_id);
  transport_ = spawn_transport(system_, child_context{config.node_id, "transport"}, config);
}

admin_client::~admin_client() {
  caf::anon_send_exit(transport_, caf::exit_reason::user_shutdown);
  transport_ = nullptr;
}

bool admin_client::wait_connected(const std::set<std::string>& nodes, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (true) {
    auto peers = connected();
    if (std::includes(peers.begin(), peers.end(), nodes.begin(), nodes.end())) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace bucky
