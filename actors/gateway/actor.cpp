#include "actors/gateway/actor.hpp"

#include <chrono>

#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "actors/gateway/gateway_actor.hpp"
#include "actors/gateway/host_route.hpp"
#include "actors/packages/app_record.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"
#include "messages/gateway.hpp"
#include "net/gateway_tls.hpp"
#include "net/tls_certs.hpp"

namespace bucky::gateway {

namespace {

using refresh_atom = caf::atom_constant<caf::atom("gwrefresh")>;
namespace http = boost::beast::http;

constexpr std::uint64_t certificate_every_refreshes = 5;
constexpr std::uint64_t zone_read_timeout_ms = 3'000;

std::uint64_t unix_now_s() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
}

std::set<std::string> node_ids_of(const net::trusted_peers& peers) {
  std::set<std::string> out;
  for (const auto& entry : peers.current()->entries()) {
    if (entry.identity.role == net::peer_identity::kind::node) out.insert(entry.identity.name);
  }
  return out;
}

std::string path_of(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

}  // namespace

web_gateway::web_gateway(caf::actor_config& actor_config, child_context context, gateway_config config)
    : component_actor(actor_config, std::move(context)), config_(std::move(config)),
      sessions_(web_session_limits{}, random_web_token), kv_(this) {}

caf::behavior web_gateway::make_behavior() {
  BUCKY_CHECK(config_.node_key != nullptr && config_.peers != nullptr && config_.assets != nullptr);
  pool_ = std::make_shared<boost::asio::thread_pool>(config_.workers);
  net::https_server_config web;
  web.host = config_.listen_host;
  web.port = config_.https_port;
  web.plain_port = config_.http_port;
  web.log = logging::get(context().name);
  web.handler_timeout_ms = std::max(config_.api_timeout_ms, config_.app_timeout_ms) + 5'000;
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(this);
  auto peers = config_.peers;
  auto zone_id = config_.zone_id;
  auto backend = config_.backend;
  auto body_limit = [peers, zone_id, backend](const net::web_request_header& header) -> std::uint64_t {
    auto route = route_host(net::text_of(header[http::field::host]), zone_id, node_ids_of(*peers));
    if (route.what == host_route::kind::app) return relayed_bytes_max - 64 * 1024;
    if (route.what != host_route::kind::panel) return 0;
    auto path = path_of(net::text_of(header.target()));
    if (path == "/api/login") return 4 * 1024;
    if (!path.starts_with("/api/") || !backend) return 0;
    return backend->body_bytes_max(std::string(header.method_string()), path.substr(5));
  };
  server_ = std::make_unique<net::https_server>(web, body_limit, [weak](exchange_ptr exchange) {
    if (auto strong = caf::actor_cast<caf::actor>(weak)) {
      caf::anon_send(strong, std::move(exchange));
    } else {
      exchange->reply(net::web_error(503, "the gateway is restarting; retry"));
    }
  });
  auto ports = server_->start();
  if (!ports) throw std::runtime_error(ports.error().message());
  https_port_ = ports->https;
  start_relay_end();
  log().info("gateway: https://{}:{} (the panel at https://{}{}, apps at https://<app>.{}){}", config_.listen_host,
             ports->https, config_.zone_id, ports->https == 443 ? "" : fmt::format(":{}", ports->https),
             config_.zone_id,
             ports->plain ? fmt::format("; http://{}:{} redirects", config_.listen_host, ports->plain) : "");
  send(this, refresh_atom::value);
  return {
      [this](exchange_ptr& exchange) { on_request(exchange); },
      [this](gateway_step& step) { step.run(); },
      [this](refresh_atom) {
        refresh();
        delayed_send(this, std::chrono::milliseconds(config_.refresh_ms), refresh_atom::value);
      },
      [this](const caller& from, gateway_http_request& request) { return relayed(from, request); },
      [this](peer_message_atom, const std::string& peer, relay_open& m) { relay_opened(peer, std::move(m)); },
      [this](peer_message_atom, const std::string& peer, relay_data& m) { relay_message(peer, std::move(m)); },
      [this](peer_message_atom, const std::string& peer, relay_ack& m) { relay_message(peer, m); },
      [this](peer_message_atom, const std::string& peer, relay_close& m) { relay_message(peer, std::move(m)); },
  };
}

void web_gateway::on_exit() {
  for (auto& stream : streams_) stream->end_stream();
  streams_.clear();
  if (server_) server_->stop();
  relay_.reset();  // after the I/O thread that used it
  server_.reset();
  if (pool_) {
    pool_->stop();
    // Calls in progress end within their own timeouts; nobody waits for them, nor
    // for the links to close.
    std::thread([pool = std::move(pool_), links = std::move(links_)]() mutable {
      pool->join();
      links.clear();
    }).detach();
  }
}

void web_gateway::on_actor(std::function<void()> step) {
  if (auto strong = caf::actor_cast<caf::actor>(caf::actor_cast<caf::weak_actor_ptr>(this))) {
    caf::anon_send(strong, gateway_step{std::move(step)});
  }
}

void web_gateway::drop_link(std::shared_ptr<person_link> link) {
  if (link) boost::asio::post(*pool_, [link = std::move(link)]() mutable { link.reset(); });
}

std::uint64_t web_gateway::now_ms() const {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

void web_gateway::refuse(const exchange_ptr& exchange, unsigned code, const std::string& why, bool log_it) {
  if (log_it) {
    const auto& request = exchange->request();
    log().info("gateway: {} {} {} from {}: {}", code, std::string(request.method_string()),
               std::string(net::text_of(request.target()).substr(0, 120)), exchange->client_address(), why);
  }
  exchange->reply(net::web_error(code, why));
}

void web_gateway::refresh() {
  if (refreshes_++ % certificate_every_refreshes == 0 || !server_->has_certificate()) refresh_certificate();
  refresh_routes();
  say_hello();
  if (auto dropped = sessions_.expire(now_ms()); dropped > 0) log().info("gateway: {} idle session(s) ended", dropped);
  for (auto it = links_.begin(); it != links_.end();) {
    if (sessions_.contains_hash(it->first)) {
      ++it;
      continue;
    }
    drop_link(std::move(it->second));
    it = links_.erase(it);
  }
  push_events();
}

void web_gateway::refresh_certificate() {
  kv_.call(read_document_request(net::tls_node_key(config_.node_id)), true, zone_read_timeout_ms,
           [this](result<kv_response> answer) {
             if (!answer) return;
             auto raw = read_document_answer(net::tls_node_key(config_.node_id), *answer);
             if (!raw || !*raw || (*raw)->value == tls_document_) {
               if (raw && !*raw && tls_document_.empty()) {
                 log().warn("gateway: no certificate for node {} in the zone yet: the owner runs bucky zone tls issue",
                            config_.node_id);
               }
               return;
             }
             tls_document_ = (*raw)->value;
             auto document = net::parse_node_tls(tls_document_);
             auto key = document ? net::open_as_node(document->sealed_key, *config_.node_key)
                                 : result<std::string>(document.error());
             auto checked = key ? net::check_cert_and_key(document->cert_pem, *key, unix_now_s()) : key.error();
             if (checked.is_ok()) checked = server_->set_certificate(document->cert_pem, *key);
             if (!checked.is_ok()) {
               log().error("gateway: the certificate at {} is not usable: {}; the owner runs bucky zone tls issue "
                           "--node {} --force", net::tls_node_key(config_.node_id), checked.message(), config_.node_id);
               return;
             }
             auto facts = net::read_cert(document->cert_pem);
             log().info("gateway: serving the certificate for {} until unix {} (SHA-256 {})",
                        facts ? fmt::format("{}", fmt::join(facts->dns_names, ", ")) : "?",
                        facts ? facts->not_after_unix_s : 0, facts ? facts->sha256_hex.substr(0, 16) : "?");
           });
}

// Installed apps (/apps/), where their instances run with ports (/nodes/*/status),
// and which are public (/apps-public/).
void web_gateway::refresh_routes(std::function<void()> then) {
  kv_request request;
  request.success.push_back(range_op(packages::app_keys::apps_prefix, prefix_range_end(packages::app_keys::apps_prefix)));
  request.success.push_back(range_op(system_keys::nodes_prefix, prefix_range_end(system_keys::nodes_prefix)));
  const std::string public_prefix = packages::app_keys::public_prefix;
  request.success.push_back(range_op(public_prefix, prefix_range_end(public_prefix)));
  kv_.call(std::move(request), true, zone_read_timeout_ms, [this, then, public_prefix](result<kv_response> answer) {
    if (!answer || answer->results.size() != 3) {
      if (then) then();
      return;
    }
    std::map<std::string, std::vector<app_place>> apps;
    for (const auto& kv : answer->results[0].kvs) {
      apps[kv.key.substr(std::string(packages::app_keys::apps_prefix).size())];
    }
    for (const auto& kv : answer->results[1].kvs) {
      if (!kv.key.ends_with("/status")) continue;
      auto status = parse_node_status(kv.value);
      if (!status) continue;
      for (const auto& instance : status->instances) {
        auto app = apps.find(instance.service);
        if (app == apps.end() || instance.state != instance_state::running || instance.ports.empty()) continue;
        app->second.push_back({status->node_id, instance.ports.front()});
      }
    }
    std::set<std::string> open_to_all;
    for (const auto& kv : answer->results[2].kvs) open_to_all.insert(kv.key.substr(public_prefix.size()));
    apps_ = std::move(apps);
    public_apps_ = std::move(open_to_all);
    revision_ = answer->revision;
    if (then) then();
  });
}

void web_gateway::on_request(const exchange_ptr& exchange) {
  const auto& request = exchange->request();
  auto route = route_host(net::text_of(request[http::field::host]), config_.zone_id, node_ids_of(*config_.peers));
  switch (route.what) {
    case host_route::kind::panel: return on_panel(exchange);
    case host_route::kind::app: return on_app(exchange, route.app);
    case host_route::kind::unknown: return refuse(exchange, 421, route.reason + ": this gateway serves " + config_.zone_id);
  }
}

}  // namespace bucky::gateway

namespace bucky {

caf::actor spawn_gateway(caf::actor_system& system, const child_context& context, gateway_config config) {
  return system.spawn<gateway::web_gateway>(context, std::move(config));
}

}  // namespace bucky
