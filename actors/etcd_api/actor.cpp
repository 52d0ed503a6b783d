#include "actors/etcd_api/actor.hpp"
#include "actors/transport/routing_core.hpp"

#include <chrono>
#include <random>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/etcd_api/etcd_json.hpp"
#include "actors/paxos/local_call.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/runtime/message_types.hpp"
#include "net/api_token_cache.hpp"
#include "net/http_server.hpp"
#include "net/peer_directory.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<bucky::net::http_exchange>)

namespace bucky {

namespace {

using exchange_ptr = std::shared_ptr<net::http_exchange>;
using watch_more_atom = caf::atom_constant<caf::atom("watchmore")>;

// A stable 64-bit id from a name (FNV-1a), for etcd's cluster_id and member_id.
std::uint64_t stable_id(const std::string& name) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : name) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

std::uint64_t unix_now_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

void fail(const exchange_ptr& exchange, const status& problem) {
  auto error = etcd::error_of(problem);
  exchange->reply(error.http_status, etcd::render_error(error));
}

std::string net_error(int http, int grpc, const std::string& why) { return etcd::render_error({http, grpc, why}); }

etcd::header header_at(const etcd_api_config& config, std::int64_t revision) {
  return {stable_id(config.zone_id), stable_id(config.node_id), revision, 0};
}

// What runs on the HTTP server's thread: authentication, parsing, and the call to
// the replica, whose answer (a callback on the replica's thread) is rendered and
// handed back to the HTTP thread. Watches, which stream, go to the actor.
class http_front {
 public:
  http_front(caf::actor_system& system, etcd_api_config config, caf::weak_actor_ptr api)
      : system_(system), config_(std::move(config)), api_(std::move(api)) {
    std::random_device device;
    client_id_ = (static_cast<std::uint64_t>(device()) << 32) | device() | 1;
  }

  void handle(exchange_ptr exchange) {
    const auto& request = exchange->request();
    if (request.method != "POST") return fail(exchange, status(status_code::invalid_argument, "use POST"));
    auto who = authenticate(request);
    if (!who) {
      logging::get(etcd_api_actor)->info("API request from {} refused: {}", request.peer, who.error().message());
      return exchange->reply(401, net_error(401, 16, who.error().message()));
    }
    auto replica = system_.registry().get<caf::actor>(caf::atom("paxos"));
    if (!replica) {
      return fail(exchange, status(status_code::unavailable,
                                   fmt::format("node {} holds no zone-state replica; ask a state node", config_.node_id)));
    }
    if (request.target == "/v3/watch") {
      auto api = caf::actor_cast<caf::actor>(api_);
      if (!api) return exchange->reply(503, net_error(503, 14, "the API is restarting; retry"));
      return caf::anon_send(api, std::move(exchange), *who);
    }
    auto method = etcd::method_of(request.target);
    if (!method) return fail(exchange, method.error());
    auto asked = etcd::parse_call(*method, request.body);
    if (!asked) return fail(exchange, asked.error());
    kv_client_request call{client_id_, ++sequence_, asked->request, asked->serializable, 0};
    auto answer = std::make_shared<answer_once>(
        [exchange, asked = *asked, header = header_at(config_, 0)](kv_client_response response) mutable {
          if (!response.ok) return fail(exchange, status(static_cast<status_code>(response.error_code), response.error_message));
          if (!response.response.error.empty()) return fail(exchange, status(status_code::not_found, response.response.error));
          header.revision = response.response.revision;
          exchange->reply(200, etcd::render_answer(asked, response.response, header));
        });
    caf::anon_send(replica, local_kv_call{*who, std::move(call), std::move(answer)});
  }

 private:
  // The token's signer must be the owner or a user the zone trusts now.
  result<caller> authenticate(const net::http_request& request) {
    if (request.authorization.empty()) {
      return status(status_code::permission_denied,
                    "no token: send \"Authorization: Bearer <token>\" (bucky api-token prints one)");
    }
    auto claim = net::read_api_token(request.authorization);
    if (!claim) return claim.error();
    auto directory = config_.peers->current();
    for (const auto& entry : directory->entries()) {
      if (!person_caller(entry.identity) || entry.identity.name != claim->name) continue;
      auto checked = tokens_.check(request.authorization, config_.zone_id, entry.identity.key, unix_now_s());
      if (!checked.is_ok()) return checked;
      return *person_caller(entry.identity);
    }
    return status(status_code::permission_denied, fmt::format("API token: {} is not a user of zone {}", claim->name,
                                                              config_.zone_id));
  }

  caf::actor_system& system_;
  const etcd_api_config config_;
  caf::weak_actor_ptr api_;
  std::uint64_t client_id_ = 0;
  std::uint64_t sequence_ = 0;
  net::api_token_cache tokens_;  // verified once, then looked up (only the HTTP thread touches it)
};

class etcd_api : public component_actor {
 public:
  etcd_api(caf::actor_config& actor_config, child_context context, etcd_api_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {}

  caf::behavior make_behavior() override {
    net::http_server_config http;
    http.host = config_.listen_host;
    http.port = config_.listen_port;
    http.log = logging::get(context().name);  // refusals and evictions of connections
    front_ = std::make_shared<http_front>(system(), config_, actor_cast<caf::weak_actor_ptr>(this));
    server_ = std::make_unique<net::http_server>(http, [front = front_](exchange_ptr exchange) {
      front->handle(std::move(exchange));
    });
    auto port = server_->start();
    if (!port) throw std::runtime_error(port.error().message());
    log().info("etcd v3 JSON API on http://{}:{} (POST /v3/kv/{{put,range,deleterange,txn}}, /v3/lease/..., /v3/watch)",
               config_.listen_host, *port);
    return {
        [this](exchange_ptr& exchange, const caller& who) { watch_start(std::move(exchange), who); },
        [this](watch_more_atom, exchange_ptr& exchange, const caller& who, kv_watch_request& next) {
          watch_step(std::move(exchange), who, std::move(next));
        },
    };
  }

  void on_exit() override {
    if (server_) server_->stop();
    server_.reset();
  }

 private:
  etcd::header header_at(std::int64_t revision) const { return bucky::header_at(config_, revision); }

  void watch_start(exchange_ptr exchange, const caller& who) {
    auto watch = etcd::parse_watch(exchange->request().body);
    if (!watch) return fail(exchange, watch.error());
    if (watches_ >= config_.watches_max) {
      return fail(exchange, status(status_code::unavailable, fmt::format("{} watches run here already", watches_)));
    }
    ++watches_;
    exchange->begin_stream(200);
    exchange->write_chunk(etcd::render_watch_created(header_at(0)));
    watch->wait_ms = config_.watch_wait_ms;
    watch_step(std::move(exchange), who, std::move(*watch));
  }

  // One long poll; its events go out as one chunk; then the next, until the client leaves.
  void watch_step(exchange_ptr exchange, const caller& who, kv_watch_request next) {
    auto replica = system().registry().get<caf::actor>(caf::atom("paxos"));
    if (exchange->gone() || !replica) return watch_end(exchange, "the client left or the replica stopped");
    request(replica, std::chrono::milliseconds(next.wait_ms + config_.request_timeout_ms), who, next)
        .then(
            [this, exchange, who, next](kv_watch_response& answer) mutable {
              if (!answer.ok) return watch_end(exchange, answer.error_message);
              if (!answer.events.empty() &&
                  !exchange->write_chunk(etcd::render_watch_events(header_at(answer.revision), answer.events))) {
                return watch_end(exchange, "");
              }
              next.start_revision = answer.next_revision;
              next.start_index = answer.next_index;
              send(this, watch_more_atom::value, exchange, who, next);
            },
            [this, exchange](caf::error& error) { watch_end(exchange, caf::to_string(error)); });
  }

  void watch_end(const exchange_ptr& exchange, const std::string& reason) {
    --watches_;
    if (!reason.empty() && !exchange->gone()) exchange->write_chunk(etcd::render_watch_canceled(header_at(0), reason));
    exchange->end_stream();
  }

  etcd_api_config config_;
  std::shared_ptr<http_front> front_;
  std::unique_ptr<net::http_server> server_;
  std::size_t watches_ = 0;
};

}  // namespace

caf::actor spawn_etcd_api(caf::actor_system& system, const child_context& context, etcd_api_config config) {
  return system.spawn<etcd_api>(context, std::move(config));
}

}  // namespace bucky
