#include "actors/activation/actor.hpp"

#include <algorithm>
#include <chrono>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/message_types.hpp"
#include "net/activation_sign.hpp"
#include "net/node_identity.hpp"
#include "net/zone_config_file.hpp"
#include "storage/atomic_file.hpp"

namespace bucky {

namespace {

std::uint64_t now_unix_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

class activation_actor : public component_actor {
 public:
  activation_actor(caf::actor_config& actor_config, child_context context, activation_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {}

  caf::behavior make_behavior() override {
    return {
        [this](activation_request& request) -> caf::result<activation_reply> {
          auto outcome = activate(request);
          if (!outcome) {
            log().warn("{}", outcome.error().message());
            return caf::make_error(caf::sec::runtime_error, outcome.error().message());
          }
          return *outcome;
        },
        [this](shutdown_atom) {
          if (auto daemon = system().registry().get<caf::actor>(caf::atom("daemon"))) {
            send(daemon, shutdown_atom::value);
          }
        },
    };
  }

 private:
  result<activation_reply> activate(const activation_request& request) {
    auto existing = net::load_node_identity(config_.data_dir);
    if (!existing) return existing.error();
    if (*existing) {
      return status(status_code::already_exists,
                    fmt::format("activation refused: this node is already node {} of zone {} (a data dir joins "
                                "one zone once)",
                                (*existing)->node_id, (*existing)->zone_id));
    }
    auto checked = net::check_activation(request, config_.own_key, now_unix_ms(), config_.owner_key);
    if (!checked) return checked.error();
    const auto& body = checked->body;
    if (!config_.node_id.empty() && body.node_id != config_.node_id) {
      return status(status_code::permission_denied,
                    fmt::format("activation refused: it names node {} but this node was started as --node-id {}",
                                body.node_id, config_.node_id));
    }
    auto owner = net::public_key::from_text(checked->config.owner_key);
    if (!owner) return owner.error();
    auto cache = config_.data_dir + "/" + net::zone_config_file_name;
    if (auto saved = net::save_zone_config_file(cache, body.zone); !saved.is_ok()) return saved;
    const auto& state = checked->config.state_nodes;
    if (body.rejoin && std::find(state.begin(), state.end(), body.node_id) != state.end()) {
      auto marker = write_file_atomically(config_.data_dir + "/" + rejoin_marker_name, "replaced machine\n", 0600);
      if (!marker.is_ok()) return marker;
    }
    net::node_identity identity{body.zone_id, body.node_id, *owner};
    if (auto saved = net::save_node_identity(config_.data_dir, identity); !saved.is_ok()) return saved;
    log().info("activated: node {} of zone {} (zone config version {}, owner key {}); restarting into the zone",
               body.node_id, body.zone_id, checked->config.version, checked->config.owner_key);
    delayed_send(this, std::chrono::milliseconds(config_.restart_delay_ms), shutdown_atom::value);
    return activation_reply{body.zone_id, body.node_id, checked->config.version};
  }

  activation_config config_;
};

}  // namespace

caf::actor spawn_activation(caf::actor_system& system, const child_context& context, activation_config config) {
  return system.spawn<activation_actor>(context, std::move(config));
}

}  // namespace bucky
