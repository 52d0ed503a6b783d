#include "actors/paxos/paxos_actor.hpp"

#include <filesystem>
#include <random>

#include <fmt/format.h>

#include <sodium.h>

#include "actors/zone_state/principal.hpp"
#include "actors/zone_state/service_json.hpp"
#include "actors/zone_state/system_config.hpp"
#include "messages/common/check.hpp"

namespace bucky::paxos_shell {

caf::behavior paxos_actor::make_behavior() {
  open_state();
  check_disk();
  schedule_tick();
  return {
      [this](tick_atom) {
        if (disk_unwritable()) {
          driver_->expire_due(steady_ms());
          check_disk();
          return schedule_tick();
        }
        driver_->on_tick(steady_ms());
        scrub();
        schedule_tick();
      },
      [this](flush_atom) { flush(); },
      [this](peer_message_atom, const std::string& peer, paxos_prepare& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_promise& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_accept& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_accepted& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_commit& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_catchup_request& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_catchup_reply& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_beat_ack& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_rejoin_request& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_rejoin_state& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_prevote& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_prevote_reply& m) { from_peer(peer, m); },
      [this](peer_message_atom, const std::string& peer, paxos_snapshot_chunk& m) {
        if (auto index = replica_index(peer)) driver_->on_snapshot_chunk(*index, m, steady_ms());
      },
      [this](peer_message_atom, const std::string& peer, paxos_snapshot_ack& m) {
        if (auto index = replica_index(peer)) driver_->on_snapshot_ack(*index, m, steady_ms());
      },
      [this](kv_client_request& request) -> caf::result<kv_client_response> {
        // This node's own actors (the name service mirrors the owner-signed zone
        // config): the documents checked, not the ACL; the node's principal. For an
        // app this node runs (kRPC), the ACL as that app.
        const caller self{caller::kind::node, config_.node_id};
        auto acting = acting_for(self, request);
        if (!acting) return refused(acting.error(), config_.node_id);
        if (request.on_behalf.empty()) {
          if (auto bad = check_documents(request.request); !bad.is_ok()) return refused(bad, config_.node_id);
          stamp(self, request.request);
        } else if (auto bad = admit(*acting, request.request); !bad.is_ok()) {
          return refused(bad, config_.node_id);
        }
        auto promise = make_response_promise<kv_client_response>();
        serve(request, [promise](kv_client_response response) mutable { promise.deliver(std::move(response)); });
        return promise;
      },
      [this](const caller& from, kv_client_request& request) -> caf::result<kv_client_response> {
        auto acting = acting_for(from, request);
        if (!acting) return refused(acting.error(), config_.node_id);
        if (auto bad = admit(*acting, request.request); !bad.is_ok()) return refused(bad, config_.node_id);
        auto promise = make_response_promise<kv_client_response>();
        serve(request, [promise](kv_client_response response) mutable { promise.deliver(std::move(response)); });
        return promise;
      },
      [this](local_kv_call& call) {
        auto answer = call.answer;
        if (auto bad = admit(call.from, call.request.request); !bad.is_ok()) return (*answer)(refused(bad, config_.node_id));
        serve(call.request, [answer](kv_client_response response) { (*answer)(std::move(response)); });
      },
      [this](const caller& from, kv_forward_batch& batch) -> caf::result<kv_forward_batch_response> {
        // The forwarding replica checked each request against its caller. Only the
        // group's replicas forward: any other node's key would bypass the ACL.
        if (from.role != caller::kind::node || !replica_index(from.name)) {
          log().warn("refused a forward batch from {} {}: only the zone-state replicas forward", role_name(from.role),
                     from.name);
          return caf::make_error(caf::sec::invalid_argument, "only zone-state replicas forward zone-state requests");
        }
        return serve_batch(batch);
      },
      [this](const caller& from, kv_watch_request& request) -> caf::result<kv_watch_response> {
        if (auto denied = check_caller(from, request); !denied.is_ok()) return watch_refused(denied);
        return serve_watch(request);
      },
      [this](forward_flush_atom) { flush_forwards(); },
      [this](kv_watch_request& request) -> caf::result<kv_watch_response> { return serve_watch(request); },
      [this](expire_watch_atom, std::uint64_t id) { expire_watch(id); },
      [this](zone_state_status_request&) { return status_report(); },
      [this](const caller& from, const step_down_request&) { return step_down(from); },
  };
}

// The rules as applied here; read again only when the store's revision moved.
const acl_config& paxos_actor::current_acl() {
  auto revision = kv_->revision();
  if (revision && acl_revision_ && *revision == *acl_revision_) return acl_;
  acl_ = default_acl();
  kv_request read;
  read.success.push_back(range_op(acl_key));
  if (auto answer = kv_->read(read); answer && !answer->results.empty() && !answer->results[0].kvs.empty()) {
    auto parsed = parse_acl(answer->results[0].kvs[0].value);
    if (parsed) acl_ = std::move(*parsed);
    else log().error("{} does not parse ({}); the default rules apply", acl_key, parsed.error().message());
  }
  if (revision) acl_revision_ = *revision;
  return acl_;
}

template <class Request>
status paxos_actor::check_caller(const caller& from, const Request& request) {
  auto checked = check_access(current_acl(), from, request);
  if (!checked.is_ok()) log().info("refused a request of {}: {}", from.name, checked.message());
  return checked;
}

status paxos_actor::admit(const caller& from, kv_request& request) {
  if (auto denied = check_caller(from, request); !denied.is_ok()) return denied;
  if (auto bad = check_documents(request); !bad.is_ok()) return bad;
  stamp(from, request);
  return {};
}

result<caller> paxos_actor::acting_for(const caller& from, const kv_client_request& request) {
  if (request.on_behalf.empty()) return from;
  if (from.role != caller::kind::node) {
    return status(status_code::permission_denied, fmt::format("{} {} may not act for app {}: only the node running it may",
                                                              role_name(from.role), from.name, request.on_behalf.substr(0, 64)));
  }
  // The node must run it: the app is in the node's config (written by the scheduler),
  // so a stolen node key acts at most as the apps placed on that node.
  auto config = kv_->read(read_document_request(system_keys::node_config(from.name)));
  if (config && !config->results.empty() && !config->results[0].kvs.empty()) {
    if (auto parsed = parse_node_config(config->results[0].kvs[0].value)) {
      for (const auto& placed : parsed->instances) {
        if (placed.service == request.on_behalf) return caller{caller::kind::app, request.on_behalf};
      }
    }
  }
  return status(status_code::permission_denied,
                fmt::format("node {} may not act for app {}: the app is not placed on it", from.name, request.on_behalf.substr(0, 64)));
}

void paxos_actor::stamp(const caller& from, kv_request& request) {
  std::uint64_t random_bits = 0;
  randombytes_buf(&random_bits, sizeof random_bits);
  stamp_request(request, from, random_bits);
}

// System documents are checked here, before the log, whoever writes them.
status paxos_actor::check_documents(const kv_request& request) {
  document_context context{config_.zone_owner, [this]() -> std::optional<zone_config> {
                             auto answer = kv_->read(read_document_request(system_keys::zone_config));
                             if (!answer) return std::nullopt;
                             auto mirrored = read_typed<zone_config_document>("", *answer);
                             if (!mirrored || !*mirrored) return std::nullopt;
                             return (*mirrored)->value.config;
                           },
                           [this] {
                             std::vector<user_record> users;
                             kv_request read;
                             read.success.push_back(range_op(system_keys::users_prefix,
                                                             prefix_range_end(system_keys::users_prefix)));
                             auto answer = kv_->read(read);
                             if (!answer || answer->results.empty()) return users;
                             for (const auto& kv : answer->results[0].kvs) {
                               if (auto user = user_document::parse(kv.value)) users.push_back(std::move(*user));
                             }
                             return users;
                           }};
  auto checked = check_document_writes(request, context);
  if (!checked.is_ok()) log().info("refused a system document write: {}", checked.message());
  return checked;
}

zone_state_status paxos_actor::status_report() {
  zone_state_status out;
  out.node_id = config_.node_id;
  switch (core().role()) {
    case replica_role::leader: out.role = "leader"; break;
    case replica_role::candidate: out.role = "candidate"; break;
    case replica_role::follower: out.role = "follower"; break;
  }
  if (disk_unwritable()) out.role = "disk_unwritable";
  if (auto leader = core().leader_hint()) out.leader = config_.replicas[*leader];
  if (core().role() == replica_role::leader) out.leader = config_.node_id;
  out.ballot_round = std::max(core().current_ballot().round, core().acceptor().promised().round);
  out.chosen_below = core().chosen_below();
  out.applied_below = applied_below();
  auto revision = kv_->revision();
  if (revision) out.revision = *revision;
  return out;
}

// The driver's side in this actor: Paxos messages through the transport, the
// flush queued behind this mailbox (group commit: every output taken before it
// is carried out in one synced write), watches polled, lines in this log.
class paxos_actor::port final : public driver_port {
 public:
  explicit port(paxos_actor& self) : self_(self) {}

  void send(std::uint32_t to, const paxos_message& message) override {
    std::visit([&](const auto& m) { self_.send_to_peer(to, m); }, message);  // restarting: Paxos retransmits
  }
  void send_chunk(std::uint32_t to, const paxos_snapshot_chunk& chunk) override { self_.send_to_peer(to, chunk); }
  void send_ack(std::uint32_t to, const paxos_snapshot_ack& ack) override { self_.send_to_peer(to, ack); }
  void flush_needed() override { self_.send(&self_, flush_atom::value); }
  void state_changed() override { self_.poll_watchers(); }
  status end_rejoin() override { return bucky::end_rejoin(storage::posix_file_system(), self_.files()); }
  void info(const std::string& line) override { self_.log().info("{}", line); }
  void warn(const std::string& line) override { self_.log().warn("{}", line); }

 private:
  paxos_actor& self_;
};

paxos_actor::paxos_actor(caf::actor_config& actor_config, child_context context, paxos_config config)
    : component_actor(actor_config, std::move(context)), config_(std::move(config)) {}

paxos_actor::~paxos_actor() = default;

driver_port& paxos_actor::open_port() {
  port_ = std::make_unique<port>(*this);
  return *port_;
}

void paxos_actor::flush() {
  if (auto done = driver_->flush(steady_ms()); !done.is_ok()) {
    throw std::runtime_error("persisting acceptor state: " + done.to_string());
  }
}

// The operator's step-down (owner or admin keys only).
admin_action_reply paxos_actor::step_down(const caller& from) {
  admin_action_reply reply{config_.node_id, false, {}};
  if (auto denied = check_node_action(from, node_action::step_down); !denied.is_ok()) {
    reply.message = denied.message();
    return reply;
  }
  if (!driver_ || !driver_->step_down(steady_ms())) {
    auto hint = driver_ ? core().leader_hint() : std::nullopt;
    reply.message = fmt::format("{} does not lead the zone state (leader: {}); ask the leader", config_.node_id,
                                hint ? config_.replicas[*hint] : std::string("none known"));
    return reply;
  }
  log().info("stepped down as leader of the zone state in ballot ({},{}), as {} {} asked",
             core().current_ballot().round, core().current_ballot().replica, role_name(from.role), from.name);
  reply.done = true;
  reply.message = fmt::format("{} stepped down; another replica takes over within about a second", config_.node_id);
  return reply;
}

}  // namespace bucky::paxos_shell

namespace bucky {

caf::actor spawn_paxos(caf::actor_system& system, const child_context& context, paxos_config config) {
  // Detached: the state machine's batch is an LMDB write transaction, which lives
  // on the thread that began it.
  return system.spawn<paxos_shell::paxos_actor, caf::detached>(context, std::move(config));
}

}  // namespace bucky
