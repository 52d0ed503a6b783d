#include "actors/relay/actor.hpp"

#include <caf/all.hpp>

#include "actors/gateway/actor.hpp"
#include "actors/relay/relay_cast.hpp"
#include "actors/relay/relay_front.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/runtime/message_types.hpp"

namespace bucky {

namespace {

using relay_tick_atom = caf::atom_constant<caf::atom("relaytick")>;

class relay_actor_impl : public component_actor {
 public:
  relay_actor_impl(caf::actor_config& actor_config, child_context context, relay_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {}

  caf::behavior make_behavior() override {
    BUCKY_CHECK(config_.peers != nullptr);
    relay::relay_front_config front;
    front.zone_id = config_.zone_id;
    front.host = config_.listen_host;
    front.port = config_.port;
    front.log = logging::get(context().name);
    auto& actors = system();
    front_ = std::make_unique<relay::relay_front>(
        front, relay::cast_to(actors, gateway_actor),
        [&actors](const std::string& node, const relay_open& open) { relay::cast_open(actors, node, open); });
    auto port = front_->start();
    if (!port) throw std::runtime_error(port.error().message());
    log().info("relay: listening on {}:{} for https://{} and https://<app>.{} (TLS passed through to home nodes)",
               config_.listen_host, *port, config_.zone_id, config_.zone_id);
    auto peers = config_.peers->current();
    if (const auto* me = peers->node(config_.node_id); me && !me->gateway) {
      log().warn("relay: node {} is not a gateway node in the zone config: home nodes will not dial it (activate "
                 "it with bucky node activate --gateway)", config_.node_id);
    }
    delayed_send(this, std::chrono::milliseconds(config_.tick_ms), relay_tick_atom::value);
    return {
        [this](relay_tick_atom) {
          front_->tick();
          delayed_send(this, std::chrono::milliseconds(config_.tick_ms), relay_tick_atom::value);
        },
        [this](peer_message_atom, const std::string& peer, relay_hello& m) {
          if (home_node(peer)) front_->on_hello(peer, std::move(m));
        },
        [this](peer_message_atom, const std::string& peer, relay_data& m) { front_->on_message(peer, std::move(m)); },
        [this](peer_message_atom, const std::string& peer, relay_ack& m) { front_->on_message(peer, m); },
        [this](peer_message_atom, const std::string& peer, relay_close& m) { front_->on_message(peer, std::move(m)); },
    };
  }

  void on_exit() override {
    if (front_) front_->stop();
    front_.reset();
  }

 private:
  // Hellos count from home nodes only: another gateway node has no gateway to end TLS.
  bool home_node(const std::string& peer) {
    auto peers = config_.peers->current();
    const auto* entry = peers->node(peer);
    if (entry != nullptr && !entry->gateway) return true;
    log().warn("relay: ignored a hello from {}: not a home node of the zone config", peer);
    return false;
  }

  relay_config config_;
  std::unique_ptr<relay::relay_front> front_;
};

}  // namespace

caf::actor spawn_relay(caf::actor_system& system, const child_context& context, relay_config config) {
  return system.spawn<relay_actor_impl>(context, std::move(config));
}

}  // namespace bucky
