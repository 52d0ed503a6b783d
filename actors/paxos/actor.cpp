#include "actors/paxos/actor.hpp"

#include <chrono>
#include <map>
#include <random>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/paxos/acceptor_store.hpp"
#include "actors/paxos/replica_core.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/state_store/kv_store.hpp"
#include "actors/transport/remote.hpp"
#include "actors/transport/wire_types.hpp"
#include "messages/common/check.hpp"

namespace bucky {

namespace {

using expire_atom = caf::atom_constant<caf::atom("expire")>;

std::uint64_t steady_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

kv_client_response refused(const status& why, const std::string& node) {
  return {false, {}, static_cast<std::uint8_t>(why.code()), why.message(), node};
}

bool read_only(const kv_request& request) {
  for (const auto* ops : {&request.success, &request.failure}) {
    for (const auto& op : *ops) {
      if (op.kind != kv_op_kind::range) return false;
    }
  }
  return true;
}

class paxos_actor : public component_actor {
 public:
  paxos_actor(caf::actor_config& actor_config, child_context context, paxos_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {}

  caf::behavior make_behavior() override {
    open_state();
    schedule_tick();
    return {
        [this](tick_atom) {
          carry_out(core_->on_tick(steady_ms()));
          schedule_tick();
        },
        [this](peer_message_atom, const std::string& peer, paxos_prepare& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_promise& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_accept& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_accepted& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_commit& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_catchup_request& m) { from_peer(peer, m); },
        [this](peer_message_atom, const std::string& peer, paxos_catchup_reply& m) { from_peer(peer, m); },
        [this](kv_client_request& request) -> caf::result<kv_client_response> { return serve(request); },
        [this](expire_atom, std::uint64_t client_id, std::uint64_t sequence) { expire(client_id, sequence); },
    };
  }

 private:
  using request_key = std::pair<std::uint64_t, std::uint64_t>;  // (client_id, sequence)

  void open_state() {
    auto self_index = std::find(config_.replicas.begin(), config_.replicas.end(), config_.node_id);
    BUCKY_CHECK_MSG(self_index != config_.replicas.end(), config_.node_id + " is not a state node");
    storage::lmdb_options options;
    options.path = config_.state_dir;
    options.map_size_bytes = config_.map_size_bytes;
    auto env = storage::lmdb_env::open(options);
    if (!env) throw std::runtime_error(env.error().message());
    env_ = std::move(*env);
    auto acceptors = acceptor_store::open(*env_);
    if (!acceptors) throw std::runtime_error(acceptors.error().message());
    acceptors_.emplace(std::move(*acceptors));
    auto acceptor = acceptors_->load();
    if (!acceptor) throw std::runtime_error(acceptor.error().message());  // corrupt: do not vote
    auto kv = kv_store::open(*env_);
    if (!kv) throw std::runtime_error(kv.error().message());
    kv_.emplace(std::move(*kv));
    replica_config replica;
    replica.self = static_cast<std::uint32_t>(self_index - config_.replicas.begin());
    replica.replicas = static_cast<std::uint32_t>(config_.replicas.size());
    // A short pipeline makes commands that arrive while slots are in flight share
    // the next slot (one fsync per replica per batch, not per command).
    replica.window_slots_max = config_.window_slots_max;
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    core_.emplace(replica, std::move(*acceptor), [engine] { return (*engine)(); }, steady_ms());
    log().info("replica {} of {} ({}); state in {}, applied below slot {}, promised ballot ({},{})", replica.self,
               replica.replicas, fmt::join(config_.replicas, ","), config_.state_dir, applied_below(),
               core_->acceptor().promised().round, core_->acceptor().promised().replica);
  }

  slot_id applied_below() const { return kv_->applied_below(); }

  void schedule_tick() { delayed_send(this, std::chrono::milliseconds(config_.tick_ms), tick_atom::value); }

  template <class Message>
  void from_peer(const std::string& peer, const Message& message) {
    auto index = std::find(config_.replicas.begin(), config_.replicas.end(), peer);
    if (index == config_.replicas.end()) {
      log().warn("dropped {} from {}: not a state node", Message::type_name, peer);
      return;
    }
    carry_out(core_->on_message(static_cast<std::uint32_t>(index - config_.replicas.begin()), message, steady_ms()));
  }

  // Durable first, then the network, then the state machine.
  void carry_out(replica_output out) {
    auto persisted = acceptors_->persist_all(out.persist);
    if (!persisted.is_ok()) throw std::runtime_error("persisting acceptor state: " + persisted.to_string());
    auto transport = system().registry().get<caf::actor>(caf::atom("transport"));
    for (auto& send : out.sends) {
      if (!transport) break;  // restarting: Paxos retransmits
      std::visit([&](const auto& m) { this->send(transport, make_remote_cast(config_.replicas[send.to], "paxos", m)); },
                 send.message);
    }
    auto role = core_->role();
    if (role != last_role_) {
      if (role == replica_role::leader) {
        log().info("leader of the zone state in ballot ({},{})", core_->current_ballot().round,
                   core_->current_ballot().replica);
      } else if (last_role_ == replica_role::leader) {
        log().info("no longer leader");
      }
      last_role_ = role;
    }
    for (auto& chosen : out.chosen) apply(chosen);
  }

  void apply(const chosen_value& chosen) {
    auto next = applied_below();
    if (chosen.slot < next) return;  // applied before a restart; the core re-learns from slot 0
    auto outcomes = kv_->apply_slot(chosen.slot, chosen.value);
    if (!outcomes) throw std::runtime_error("applying slot " + std::to_string(chosen.slot) + ": " + outcomes.error().to_string());
    for (auto& outcome : *outcomes) {
      auto waiting = waiting_.find({outcome.client_id, outcome.sequence});
      if (waiting == waiting_.end()) continue;
      auto promise = waiting->second;
      waiting_.erase(waiting);
      if (outcome.response) promise.deliver(kv_client_response{true, *outcome.response, 0, {}, config_.node_id});
      else promise.deliver(refused(outcome.error, config_.node_id));
    }
  }

  caf::result<kv_client_response> serve(kv_client_request& request) {
    if (auto valid = validate(request.request); !valid.is_ok()) return refused(valid, config_.node_id);
    if (request.serializable && read_only(request.request)) {
      auto answer = kv_->read(request.request);
      if (!answer) return refused(answer.error(), config_.node_id);
      return kv_client_response{true, *answer, 0, {}, config_.node_id};
    }
    if (core_->role() == replica_role::leader) return propose(request);
    return forward(request);
  }

  caf::result<kv_client_response> propose(const kv_client_request& request) {
    request_key key{request.client_id, request.sequence};
    if (waiting_.size() >= config_.waiting_requests_max || waiting_.count(key)) {
      return refused({status_code::unavailable, fmt::format("leader {} is busy ({} requests waiting)", config_.node_id,
                                                            waiting_.size())},
                     config_.node_id);
    }
    replica_output out;
    if (!core_->on_client_command({request.client_id, request.sequence, encode(request.request)}, out)) {
      return refused({status_code::unavailable, "the leader's queue is full"}, config_.node_id);
    }
    auto promise = make_response_promise<kv_client_response>();
    waiting_.emplace(key, promise);
    delayed_send(this, std::chrono::milliseconds(config_.request_timeout_ms), expire_atom::value, key.first, key.second);
    carry_out(std::move(out));
    return promise;
  }

  caf::result<kv_client_response> forward(kv_client_request request) {
    auto leader = core_->leader_hint();
    auto transport = system().registry().get<caf::actor>(caf::atom("transport"));
    if (!leader || !transport || request.hops >= config_.forward_hops_max ||
        config_.replicas[*leader] == config_.node_id) {
      return refused({status_code::unavailable, "no leader is known yet; retry in a moment"}, config_.node_id);
    }
    request.hops += 1;
    auto promise = make_response_promise<kv_client_response>();
    auto timeout = std::chrono::milliseconds(config_.request_timeout_ms);
    this->request(transport, timeout + std::chrono::seconds(1),
                  make_remote_call(config_.replicas[*leader], "paxos", request, timeout))
        .then(
            [promise](remote_reply& reply) mutable {
              auto answer = decode_remote_reply<kv_client_response>(reply);
              if (answer) promise.deliver(std::move(*answer));
              else promise.deliver(refused(answer.error(), "?"));
            },
            [this, promise](caf::error& error) mutable {
              promise.deliver(refused({status_code::unavailable, "forwarding to the leader: " + describe_exit_reason(error)},
                                      config_.node_id));
            });
    return promise;
  }

  void expire(std::uint64_t client_id, std::uint64_t sequence) {
    auto waiting = waiting_.find({client_id, sequence});
    if (waiting == waiting_.end()) return;
    waiting->second.deliver(refused({status_code::timeout, "not applied in time (leader change?); the outcome is "
                                                           "unknown: retry with the same sequence"},
                                    config_.node_id));
    waiting_.erase(waiting);
  }

  paxos_config config_;
  std::unique_ptr<storage::lmdb_env> env_;
  std::optional<acceptor_store> acceptors_;
  std::optional<kv_store> kv_;
  std::optional<replica_core> core_;
  std::map<request_key, caf::response_promise> waiting_;
  replica_role last_role_ = replica_role::follower;
};

}  // namespace

caf::actor spawn_paxos(caf::actor_system& system, const child_context& context, paxos_config config) {
  return system.spawn<paxos_actor>(context, std::move(config));
}

}  // namespace bucky
