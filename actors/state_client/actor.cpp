#include "actors/state_client/actor.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/runtime/atoms.hpp"
#include "actors/zone_state/acl.hpp"
#include "actors/runtime/message_types.hpp"
#include "messages/common/check.hpp"

namespace bucky {

namespace {

using probe_ready_atom = caf::atom_constant<caf::atom("probe_rdy")>;

class state_client : public component_actor {
 public:
  state_client(caf::actor_config& actor_config, child_context context, state_client_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {
    BUCKY_CHECK(!config_.state_nodes.empty());
  }

  caf::behavior make_behavior() override {
    send(this, probe_ready_atom::value);
    return {
        [this](kv_client_request& request) { return answer<kv_client_response>(request); },
        [this](kv_watch_request& request) { return answer<kv_watch_response>(request); },
        [this](probe_ready_atom) { probe_ready(); },
    };
  }

 private:
  template <class Response, class Request>
  caf::result<Response> answer(const Request& request) {
    auto promise = make_response_promise<Response>();
    relay<Response>(request, 0, [promise](result<Response> answer) mutable {
      if (answer) promise.deliver(std::move(*answer));
      else promise.deliver(caf::make_error(caf::sec::runtime_error, answer.error().message()));
    });
    return promise;
  }

  // Asks the state node that answered last; when it cannot be reached, the next
  // one, each state node at most once per request.
  template <class Response, class Request, class Done>
  void relay(const Request& request, std::size_t tried, Done done) {
    auto transport = system().registry().get<caf::actor>(caf::atom("transport"));
    if (!transport || tried >= config_.state_nodes.size()) {
      return done(status(status_code::unavailable, "no state node of the zone answers"));
    }
    auto node = config_.state_nodes[(current_ + tried) % config_.state_nodes.size()];
    auto timeout = std::chrono::milliseconds(config_.request_timeout_ms);
    auto wait = timeout;
    if constexpr (std::is_same_v<Request, kv_watch_request>) wait += std::chrono::milliseconds(request.wait_ms);
    this->request(transport, wait + std::chrono::seconds(1), make_remote_call(node, "paxos", request, wait))
        .then(
            [this, request, tried, done, node](remote_reply& reply) mutable {
              auto decoded = decode_remote_reply<Response>(reply);
              if (!decoded) return done(decoded.error());
              current_ = index_of(node);
              done(std::move(*decoded));
            },
            [this, request, tried, done](caf::error&) mutable { relay<Response>(request, tried + 1, done); });
  }

  std::size_t index_of(const std::string& node) const {
    for (std::size_t i = 0; i < config_.state_nodes.size(); ++i) {
      if (config_.state_nodes[i] == node) return i;
    }
    return 0;
  }

  // Boot step 4 for a node without a replica: one linearizable read through the relay.
  void probe_ready() {
    kv_client_request read{next_client_id(), 1, {}, false, 0};
    read.request.success.push_back(range_op(acl_key));
    relay<kv_client_response>(read, 0, [this](result<kv_client_response> answer) {
      if (answer && answer->ok) {
        log().info("boot: ready: the zone state answers (through node {}, revision {})", answer->served_by,
                   answer->response.revision);
        return;
      }
      if (++probes_ == 1 || probes_ % 20 == 0) {
        log().info("waiting for the zone state ({}): {}", probes_,
                   answer ? answer->error_message : answer.error().message());
      }
      delayed_send(this, std::chrono::milliseconds(config_.ready_probe_interval_ms), probe_ready_atom::value);
    });
  }

  std::uint64_t next_client_id() { return (static_cast<std::uint64_t>(::getpid()) << 32) | ++probes_sent_; }

  state_client_config config_;
  std::size_t current_ = 0;
  std::uint64_t probes_ = 0;
  std::uint64_t probes_sent_ = 0;
};

}  // namespace

caf::actor local_zone_state(caf::actor_system& system) {
  if (auto replica = system.registry().get<caf::actor>(caf::atom("paxos"))) return replica;
  return system.registry().get<caf::actor>(caf::atom_from_string(state_client_actor));
}

caf::actor spawn_state_client(caf::actor_system& system, const child_context& context, state_client_config config) {
  return system.spawn<state_client>(context, std::move(config));
}

}  // namespace bucky
