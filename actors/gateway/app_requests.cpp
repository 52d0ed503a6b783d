// App hosts (<app>.<zone_id>): a ticket from the panel becomes the app host's own
// session cookie; then every request goes to a node that runs the app, with the
// person passed on and the gateway's cookies and headers taken out.
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "actors/gateway/gateway_actor.hpp"
#include "actors/gateway/url_query.hpp"
#include "actors/gateway/web_cookies.hpp"
#include "messages/gateway.hpp"
#include "net/http_forward.hpp"

namespace bucky::gateway {

namespace {

namespace http = boost::beast::http;

// Headers a client might send to pass as someone: the gateway alone sets them.
constexpr const char* gateway_headers[] = {"X-Bucky-User", "X-Bucky-Role", "X-Forwarded-For", "X-Forwarded-Proto",
                                           "X-Forwarded-Host", "Forwarded"};

// Hop-by-hop headers (RFC 9110 7.6.1): about one connection, not the message. The
// client's connection to the gateway is the gateway's own: an app that closes its
// connection after each answer must not close the client's (a TLS handshake each).
constexpr http::field hop_by_hop[] = {http::field::connection, http::field::keep_alive, http::field::proxy_connection,
                                      http::field::te, http::field::trailer, http::field::upgrade};


net::web_request for_the_app(const net::web_request& request, const std::string& address, const web_session* who) {
  net::web_request out = request;
  for (const char* name : gateway_headers) out.erase(name);
  for (auto field : hop_by_hop) out.erase(field);
  auto cookies = cookies_for_app(net::text_of(request[http::field::cookie]));
  out.erase(http::field::cookie);
  if (!cookies.empty()) out.set(http::field::cookie, cookies);
  if (who) {
    out.set("X-Bucky-User", who->user);
    out.set("X-Bucky-Role", who->role);
  }
  out.set("X-Forwarded-For", address);
  out.set("X-Forwarded-Proto", "https");
  out.set("X-Forwarded-Host", std::string(net::text_of(request[http::field::host])));
  return out;
}

// An app may not set the gateway's cookies (on its own host it could try).
void from_the_app(net::web_response& response) {
  for (auto field : hop_by_hop) response.erase(field);
  response.keep_alive(true);
  std::vector<std::string> kept;
  for (const auto& field : response) {
    if (field.name() != http::field::set_cookie) continue;
    auto value = std::string(field.value());
    if (!value.starts_with(panel_cookie)) kept.push_back(value);
  }
  response.erase(http::field::set_cookie);
  for (const auto& value : kept) response.insert(http::field::set_cookie, value);
}

net::http_forward_limits app_limits(std::uint64_t timeout_ms) {
  net::http_forward_limits limits;
  limits.timeout_ms = timeout_ms;
  limits.body_bytes_max = relayed_bytes_max - 64 * 1024;
  return limits;
}

}  // namespace

void web_gateway::on_app(const exchange_ptr& exchange, const std::string& app, bool fresh) {
  const auto& request = exchange->request();
  auto found = apps_.find(app);
  if (!fresh && (found == apps_.end() || found->second.empty())) {
    return refresh_routes([this, exchange, app] { on_app(exchange, app, true); });
  }
  auto target = std::string(net::text_of(request.target()));
  if (target.starts_with("/.bucky/sso")) return redeem(exchange, app);
  auto token = cookie_value(net::text_of(request[http::field::cookie]), app_cookie);
  const web_session* who = token ? sessions_.find_app(*token, app, now_ms()) : nullptr;
  if (!apps_.count(app)) return refuse(exchange, 404, fmt::format("no app {} is installed in zone {}", app, config_.zone_id));
  if (!who && !public_apps_.count(app)) {
    if (request.method() != http::verb::get) return refuse(exchange, 401, "sign in to the zone first", false);
    auto host = std::string(net::text_of(request[http::field::host]));
    auto port = host.rfind(':') != std::string::npos ? host.substr(host.rfind(':')) : std::string();
    auto response = net::make_web_response(303, "text/plain", "sign in first\n");
    response.set(http::field::location, fmt::format("https://{}{}/api/open?app={}&to={}", config_.zone_id, port, app,
                                                    url_encode(local_path(target) ? target : "/")));
    return exchange->reply(std::move(response));
  }
  proxy(exchange, app, who);
}

void web_gateway::redeem(const exchange_ptr& exchange, const std::string& app) {
  auto query = parse_query(net::text_of(exchange->request().target())).value_or(std::map<std::string, std::string>{});
  auto token = sessions_.redeem(query["ticket"], app, now_ms());
  if (!token) {
    return refuse(exchange, 403, "this sign-in link was used already, has expired or is for another app: open the app "
                                 "from the panel again");
  }
  auto to = query.count("to") && local_path(query["to"]) ? query["to"] : "/";
  auto response = net::make_web_response(303, "text/plain", "signed in\n");
  response.set(http::field::location, to);
  response.set(http::field::set_cookie, set_cookie(app_cookie, *token, web_session_limits{}.lifetime_ms_max / 1000, false));
  exchange->reply(std::move(response));
}

void web_gateway::proxy(const exchange_ptr& exchange, const std::string& app, const web_session* who) {
  const auto& places = apps_[app];
  if (places.empty()) {
    return refuse(exchange, 503, fmt::format("app {} runs on no node now (bucky app status {}); retry in a moment", app, app));
  }
  auto place = places.front();
  for (const auto& candidate : places) {
    if (candidate.node == config_.node_id) place = candidate;
  }
  auto request = for_the_app(exchange->request(), exchange->client_address(), who);
  auto limits = app_limits(config_.app_timeout_ms);
  auto answer = [this, exchange, app](result<net::web_response> response) {
    if (!response) {
      return refuse(exchange, 502, fmt::format("app {} did not answer: {}", app, response.error().message()));
    }
    from_the_app(*response);
    exchange->reply(std::move(*response));
  };
  if (place.node == config_.node_id) {
    // On the I/O thread, beside the connections: the answer goes out from there. (The
    // server stops before this actor ends, so `answer` never outlives it.)
    return net::forward_http_async(server_->io(), place.port, std::move(request), limits, answer);
  }
  auto transport = system().registry().get<caf::actor>(caf::atom("transport"));
  if (!transport) return refuse(exchange, 503, "this node's transport is restarting; retry");
  auto bytes = net::request_bytes(request);
  gateway_http_request relay{app, place.port, std::vector<std::uint8_t>(bytes.begin(), bytes.end())};
  auto timeout = std::chrono::milliseconds(config_.app_timeout_ms);
  this->request(transport, timeout + std::chrono::seconds(2), make_remote_call(place.node, bucky::gateway_actor, relay, timeout))
      .then(
          [answer, limits, node = place.node](remote_reply& reply) {
            auto decoded = decode_remote_reply<gateway_http_reply>(reply);
            if (!decoded) return answer(decoded.error());
            if (!decoded->ok) return answer(status(status_code::unavailable, fmt::format("on {}: {}", node, decoded->error)));
            std::string text(decoded->bytes.begin(), decoded->bytes.end());
            answer(net::parse_response_bytes(text, limits));
          },
          [answer, node = place.node](caf::error& error) {
            answer(status(status_code::unavailable, fmt::format("node {}: {}", node, describe_exit_reason(error))));
          });
}

// Another node's gateway passes on a request for an app running here. Only to the
// port this node opened for that app: a node key is no way to other loopback ports.
caf::result<gateway_http_reply> web_gateway::relayed(const caller& from, gateway_http_request& request) {
  if (from.role != caller::kind::node) {
    log().warn("gateway: relayed request from {} {} refused: only nodes relay requests to apps", role_name(from.role),
               from.name);
    return gateway_http_reply{false, "only nodes relay requests to apps", {}};
  }
  auto promise = make_response_promise<gateway_http_reply>();
  relay_here(promise, from.name, std::move(request), false);
  return promise;
}

void web_gateway::relay_here(caf::typed_response_promise<gateway_http_reply> promise, const std::string& from,
                             gateway_http_request request, bool fresh) {
  auto refuse_relay = [&](const std::string& why) mutable {
    log().warn("gateway: request relayed by {} for app {} refused: {}", from, request.app, why);
    promise.deliver(gateway_http_reply{false, why, {}});
  };
  auto places = apps_.find(request.app);
  bool here = places != apps_.end() && std::any_of(places->second.begin(), places->second.end(), [&](const app_place& p) {
                return p.node == config_.node_id && p.port == request.port;
              });
  if (!here && !fresh) {  // it may have started (or moved) since the last refresh
    return refresh_routes([this, promise, from, request = std::move(request)]() mutable {
      relay_here(promise, from, std::move(request), true);
    });
  }
  if (!here) return refuse_relay(fmt::format("app {} does not run here on port {}", request.app, request.port));
  auto limits = app_limits(config_.app_timeout_ms);
  auto parsed = net::parse_request_bytes(std::string(request.bytes.begin(), request.bytes.end()), limits);
  if (!parsed) return refuse_relay(parsed.error().message());
  // The answer is made on the I/O thread and delivered from this actor's.
  net::forward_http_async(server_->io(), request.port, std::move(*parsed), limits,
                          [this, promise](result<net::web_response> response) mutable {
                            gateway_http_reply reply{false, "", {}};
                            if (response) {
                              auto bytes = net::response_bytes(*response);
                              reply = {true, "", std::vector<std::uint8_t>(bytes.begin(), bytes.end())};
                            } else {
                              reply.error = response.error().message();
                            }
                            on_actor([promise, reply = std::move(reply)]() mutable { promise.deliver(std::move(reply)); });
                          });
}

}  // namespace bucky::gateway
