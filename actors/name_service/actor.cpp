#include "actors/name_service/actor.hpp"

#include <mutex>
#include <set>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/name_service/zone_state_view.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/state_client/kv_caller.hpp"
#include "actors/runtime/message_types.hpp"
#include "messages/zone_sync.hpp"
#include "net/dns_server.hpp"
#include "net/dns_zone.hpp"
#include "net/peer_directory.hpp"
#include "net/zone_config_file.hpp"
#include "net/zone_config_sign.hpp"
#include "net/zone_config_txt.hpp"

namespace bucky {

namespace {

using gossip_atom = caf::atom_constant<caf::atom("gossip")>;

// The config the DNS thread answers from; replaced whole when a version is adopted.
class zone_cell {
 public:
  std::shared_ptr<const net::verified_zone_config> get() const {
    std::lock_guard lock(mutex_);
    return zone_;
  }
  void set(net::verified_zone_config zone) {
    auto fresh = std::make_shared<const net::verified_zone_config>(std::move(zone));
    std::lock_guard lock(mutex_);
    zone_ = std::move(fresh);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const net::verified_zone_config> zone_;
};

class name_service : public component_actor {
 public:
  name_service(caf::actor_config& actor_config, child_context context, name_service_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {}

  caf::behavior make_behavior() override {
    auto path = cache_path();
    auto cached = net::load_zone_config_file(path, config_.owner_key);
    if (!cached) throw std::runtime_error("cannot read the zone config cache: " + cached.error().message());
    current_ = std::move(*cached);
    if (auto member = net::check_zone_member(current_.config, config_.node_id, config_.own_key); !member.is_ok()) {
      throw std::runtime_error(member.message());
    }
    publish_peers();
    start_dns();
    delayed_send(this, std::chrono::milliseconds(config_.gossip_interval_ms), gossip_atom::value);
    return {
        [this](zone_config_request& asked) -> caf::result<signed_zone_config> {
          if (asked.zone_id != current_.config.zone_id) {
            return caf::make_error(caf::sec::runtime_error,
                                   fmt::format("node {} is in zone {}, not {}", config_.node_id,
                                               current_.config.zone_id, asked.zone_id));
          }
          return current_.document;
        },
        [this](zone_config_push& push) -> caf::result<zone_config_ack> {
          auto adopted = adopt(push.document, "a push");
          if (!adopted.is_ok()) return caf::make_error(caf::sec::runtime_error, adopted.message());
          return zone_config_ack{current_.config.version};
        },
        [this](peer_message_atom, const std::string& peer, zone_config_version& told) { on_version(peer, told); },
        [this](peer_message_atom, const std::string& peer, signed_zone_config& document) {
          auto adopted = adopt(document, "node " + peer);
          if (!adopted.is_ok()) log().warn("zone config from node {} not adopted: {}", peer, adopted.message());
        },
        [this](gossip_atom) {
          gossip();
          sync_with_zone_state();
          delayed_send(this, std::chrono::milliseconds(config_.gossip_interval_ms), gossip_atom::value);
        },
    };
  }

 private:
  std::string cache_path() const { return config_.data_dir + "/" + net::zone_config_file_name; }

  caf::actor transport() { return system().registry().get<caf::actor>(caf::atom("transport")); }

  // Verified, newer, a valid successor: kept on disk first, then in force. The same
  // version again is fine (gossip crosses); an older one is refused.
  status adopt(const signed_zone_config& document, const std::string& source) {
    auto config = net::verify_zone_config(document, config_.owner_key);
    if (!config) return config.error();
    if (config->version == current_.config.version && document.config == current_.document.config) return {};
    if (auto update = net::check_zone_update(current_.config, *config); !update.is_ok()) return update;
    std::vector<std::string> skipped;
    auto peers = trusted_directory(*config, users_, skipped);
    if (!peers) return peers.error();
    if (auto saved = net::save_zone_config_file(cache_path(), document); !saved.is_ok()) {
      throw std::runtime_error("cannot keep zone config version " + std::to_string(config->version) + ": " +
                               saved.message());
    }
    auto previous = current_.config.version;
    current_ = {document, std::move(*config)};
    dns_zone_->set(current_);
    log().info("zone config of {} now version {} (was {}), from {}: {} nodes, {} revoked keys",
               current_.config.zone_id, current_.config.version, previous, source, current_.config.nodes.size(),
               current_.config.revoked_keys.size());
    if (auto member = net::check_zone_member(current_.config, config_.node_id, config_.own_key); !member.is_ok()) {
      throw std::runtime_error("this node leaves the zone: " + member.message());
    }
    publish(std::move(*peers));
    return {};
  }

  void on_exit() override {
    if (dns_) dns_->stop();
    dns_.reset();
  }

  void start_dns() {
    dns_zone_->set(current_);
    if (!config_.dns) return;
    net::dns_server_config dns_config{config_.dns_listen_host, config_.dns_listen_port};
    dns_ = std::make_unique<net::dns_server>(dns_config, [cell = dns_zone_](std::span<const std::uint8_t> message) {
      return net::serve_dns_message(*cell->get(), message);
    });
    auto port = dns_->start();
    if (!port) throw std::runtime_error(port.error().message());
    log().info("answering DNS for zone {} on {}:{} (UDP): <node>.{} A/AAAA, {} TXT", current_.config.zone_id,
               config_.dns_listen_host, *port, current_.config.zone_id,
               net::zone_config_txt_name(current_.config.zone_id));
  }

  void publish_peers() {
    std::vector<std::string> skipped;
    auto peers = trusted_directory(current_.config, users_, skipped);
    if (!peers) throw std::runtime_error(peers.error().message());
    for (const auto& why : skipped) warn_once("user not admitted: " + why);
    publish(std::move(*peers));
  }

  // Users and the mirrored zone config, read back from the zone state; one read in
  // flight at a time. When the zone state does not answer, the last users stay.
  void sync_with_zone_state() {
    if (reading_) return;
    reading_ = true;
    zone_state_.call(zone_state_view_request(), true, config_.gossip_interval_ms, [this](result<kv_response> answer) {
      reading_ = false;
      if (!answer) return log().debug("zone state not read: {}", answer.error().message());
      auto view = read_zone_state_view(*answer);
      if (!view) return log().warn("zone state read back unusable: {}", view.error().message());
      for (const auto& problem : view->problems) warn_once(problem);
      admit(std::move(view->users));
      mirror(*view);
    });
  }

  void admit(std::vector<user_record> users) {
    if (users == users_) return;
    std::string names;
    for (const auto& user : users) names += (names.empty() ? "" : ", ") + user.name + " (" + user.role + ")";
    log().info("users of {} from {}: {}", current_.config.zone_id, system_keys::users_prefix,
               names.empty() ? "none" : names);
    users_ = std::move(users);
    publish_peers();
  }

  // A state node holding a newer version than the zone state writes it there.
  void mirror(const zone_state_view& view) {
    auto& nodes = current_.config.state_nodes;
    if (view.mirrored_version >= current_.config.version) return;
    if (std::find(nodes.begin(), nodes.end(), config_.node_id) == nodes.end()) return;
    auto version = current_.config.version;
    auto expected = view.mirror_mod_revision;
    zone_state_.call(write_typed<zone_config_document>("", current_, expected), false, config_.gossip_interval_ms,
                     [this, version, expected](result<kv_response> answer) {
                       auto written = answer ? write_document_answer(system_keys::zone_config, expected, *answer)
                                             : result<std::int64_t>(answer.error());
                       if (!written) return log().debug("zone config not mirrored: {}", written.error().message());
                       log().info("zone config version {} mirrored at {} (revision {})", version,
                                  system_keys::zone_config, *written);
                     });
  }

  void warn_once(const std::string& problem) {
    if (warned_.size() > 1'000) warned_.clear();
    if (warned_.insert(problem).second) log().warn("{}", problem);
  }

  // The transport authorizes and dials from the new directory at once.
  void publish(net::peer_directory peers) {
    config_.peers->replace(std::move(peers));
    if (auto t = transport()) send(t, peers_atom::value);
  }

  void gossip() {
    auto t = transport();
    if (!t) return;
    zone_config_version mine{current_.config.zone_id, current_.config.version};
    for (const auto& node : current_.config.nodes) {
      if (node.node_id == config_.node_id) continue;
      send(t, make_remote_cast(node.node_id, name_service_actor, mine));
    }
  }

  void on_version(const std::string& peer, const zone_config_version& told) {
    if (told.zone_id != current_.config.zone_id || told.version >= current_.config.version) return;
    if (auto t = transport()) send(t, make_remote_cast(peer, name_service_actor, current_.document));
  }

  name_service_config config_;
  net::verified_zone_config current_;
  std::vector<user_record> users_;  // admitted with their roles, from /users/
  kv_caller zone_state_{this};
  bool reading_ = false;
  std::set<std::string> warned_;
  std::shared_ptr<zone_cell> dns_zone_ = std::make_shared<zone_cell>();
  std::unique_ptr<net::dns_server> dns_;
};

}  // namespace

caf::actor spawn_name_service(caf::actor_system& system, const child_context& context, name_service_config config) {
  return system.spawn<name_service>(context, std::move(config));
}

}  // namespace bucky
