// The panel's host: static files, sign-in and sign-out, the session, tickets for
// apps, live events, and every other /api/ call handed to the backend as the
// signed-in person.
#include <sodium.h>

#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/gateway/gateway_actor.hpp"
#include "actors/transport/routing_core.hpp"
#include "actors/gateway/url_query.hpp"
#include "actors/gateway/web_cookies.hpp"
#include "actors/zone_state/control_keys.hpp"
#include "actors/zone_state/system_config.hpp"
#include "net/password_box.hpp"

namespace bucky::gateway {

namespace {

namespace http = boost::beast::http;
using json = nlohmann::json;

constexpr std::size_t user_name_bytes_max = 63;
constexpr const char* content_security_policy =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

std::string path_only(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

net::web_response json_response(unsigned code, const json& body) {
  return net::make_web_response(code, "application/json", body.dump());
}

// The person's identity in the zone now: their role and the key the zone trusts for
// them (the owner is the admin "owner").
struct known_person {
  std::string role;
  net::public_key key;
};

std::optional<known_person> person_named(const net::trusted_peers& peers, const std::string& name) {
  for (const auto& entry : peers.current()->entries()) {
    if (entry.identity.name != name) continue;
    // As the transport admits the same key: the owner, an admin, a writer, a reader.
    if (auto who = person_caller(entry.identity)) return known_person{role_name(who->role), entry.identity.key};
  }
  return std::nullopt;
}

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

void web_gateway::on_panel(const exchange_ptr& exchange) {
  const auto& request = exchange->request();
  auto path = path_only(net::text_of(request.target()));
  if (!path.starts_with("/api/")) return serve_asset(exchange);
  if (path == "/api/login") {
    if (request.method() != http::verb::post) return refuse(exchange, 405, "sign in with POST");
    return sign_in(exchange);
  }
  auto token = cookie_value(net::text_of(request[http::field::cookie]), panel_cookie);
  const web_session* session = token ? sessions_.find(*token, now_ms()) : nullptr;
  if (path == "/api/open" && !session) {
    auto query = parse_query(net::text_of(request.target())).value_or(std::map<std::string, std::string>{});
    auto response = net::make_web_response(303, "text/plain", "sign in first\n");
    response.set(http::field::location, "/#signin?app=" + url_encode(query["app"]));
    return exchange->reply(std::move(response));
  }
  if (!session) return refuse(exchange, 401, "not signed in (or the session ended): sign in again", false);
  bool reading = request.method() == http::verb::get || request.method() == http::verb::head;
  if (!reading) {
    // Another site's page may make the browser send the cookie; it cannot read the
    // CSRF token, nor set Origin to this zone.
    auto csrf = std::string(net::text_of(request["X-CSRF-Token"]));
    if (!same_secret(csrf, session->csrf_token)) {
      return refuse(exchange, 403, "missing or wrong X-CSRF-Token: reload the panel");
    }
    auto origin = net::text_of(request[http::field::origin]);
    auto host = net::text_of(request[http::field::host]);
    if (!origin.empty() && origin != fmt::format("https://{}", std::string(host))) {
      return refuse(exchange, 403, fmt::format("a change from origin {} is refused", std::string(origin.substr(0, 100))));
    }
  }
  if (path == "/api/session") {
    return exchange->reply(json_response(200, {{"user", session->user}, {"role", session->role},
                                               {"csrf", session->csrf_token}, {"zone", config_.zone_id},
                                               {"node", config_.node_id}}));
  }
  if (path == "/api/logout") {
    log().info("gateway: {} signed out (session {})", session->user, token_hash(*token).substr(0, 8));
    if (auto link = links_.find(token_hash(*token)); link != links_.end()) {
      drop_link(std::move(link->second));
      links_.erase(link);
    }
    sessions_.remove(*token);
    auto response = json_response(200, {{"signed_out", true}});
    response.set(http::field::set_cookie, set_cookie(panel_cookie, "", 0, true));
    return exchange->reply(std::move(response));
  }
  if (path == "/api/open") return open_app(exchange, *token);
  if (path == "/api/events") return start_events(exchange);
  on_api(exchange, *token, *session);
}

void web_gateway::serve_asset(const exchange_ptr& exchange) {
  const auto& request = exchange->request();
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    return refuse(exchange, 405, "the panel's files are read with GET");
  }
  auto path = path_only(net::text_of(request.target()));
  if (path == "/") path = "/index.html";
  auto found = config_.assets->find(path);
  if (found == config_.assets->end()) return refuse(exchange, 404, "no such page: " + path.substr(0, 100), false);
  auto response = net::make_web_response(200, found->second.content_type, found->second.body);
  response.set(http::field::cache_control, "no-cache");
  response.set("Content-Security-Policy", content_security_policy);
  response.set("X-Frame-Options", "DENY");
  response.set(http::field::strict_transport_security, "max-age=31536000");
  exchange->reply(std::move(response));
}

void web_gateway::sign_in(const exchange_ptr& exchange) {
  const auto& request = exchange->request();
  if (!net::text_of(request[http::field::content_type]).starts_with("application/json")) {
    return refuse(exchange, 415, "sign in with a JSON body {\"user\", \"password\"} (Content-Type: application/json)");
  }
  auto body = json::parse(request.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("user") || !body["user"].is_string() ||
      !body.contains("password") || !body["password"].is_string()) {
    return refuse(exchange, 400, "sign in with a JSON body {\"user\": NAME, \"password\": PASSWORD}");
  }
  auto user = body["user"].get<std::string>();
  auto password = body["password"].get<std::string>();
  const auto& address = exchange->client_address();
  if (user.empty() || user.size() > user_name_bytes_max) return refuse(exchange, 400, "a user name has 1 to 63 characters");
  if (auto wait = guard_.wait_ms(user, address, now_ms()); wait > 0) {
    auto seconds = (wait + 999) / 1000;
    log().warn("gateway: sign-in as {} from {} refused: too many failures, {} s to wait", user, address, seconds);
    auto response = net::web_error(429, fmt::format("too many failed sign-ins as {} or from here: try again in {} s",
                                                    user, seconds));
    response.set(http::field::retry_after, std::to_string(seconds));
    return exchange->reply(std::move(response));
  }
  auto failed = [this, exchange, user, address](const std::string& why) {
    guard_.failed(user, address, now_ms());
    log().warn("gateway: sign-in as {} from {} failed: {}", user, address, why);
    exchange->reply(net::web_error(401, "wrong user name or password"));
  };
  auto person = person_named(*config_.peers, user);
  if (!person) return failed("no such user in the zone");
  if (sign_ins_ >= config_.sign_ins_max) return refuse(exchange, 503, "other sign-ins are being checked; retry in a second");
  ++sign_ins_;
  std::string login = std::string(logins_prefix) + user;
  kv_.call(read_document_request(login), false, config_.api_timeout_ms,
           [this, exchange, user, password, person = *person, login, failed](result<kv_response> answer) mutable {
             auto raw = answer ? read_document_answer(login, *answer) : answer.error();
             if (!raw) {
               --sign_ins_;
               return refuse(exchange, 503, "the zone state did not answer: " + raw.error().message());
             }
             if (!*raw) {
               --sign_ins_;
               return failed(fmt::format("no password set (bucky user passwd {})", user));
             }
             auto record = net::parse_password_record((*raw)->value);
             if (!record) {
               --sign_ins_;
               return failed(fmt::format("{} is unreadable: {}", login, record.error().message()));
             }
             auto opened = off_thread<result<net::key_pair>>(
                 [record = *record, password] { return net::open_with_password(record, password); },
                 [this, exchange, user, person, failed](result<net::key_pair> key) {
                   --sign_ins_;
                   if (!key) return failed(key.error().message());
                   if (!(key->public_part() == person.key)) {
                     return failed("the password opens another key than the zone's for this user: reset it with "
                                   "bucky user passwd " + user);
                   }
                   guard_.succeeded(user, exchange->client_address());
                   signed_in(exchange, user, person.role, std::make_shared<const net::key_pair>(*key));
                 });
             if (!opened) {
               --sign_ins_;
               refuse(exchange, 503, "the gateway is busy; retry in a moment");
             }
           });
}

void web_gateway::signed_in(const exchange_ptr& exchange, const std::string& user, const std::string& role,
                              std::shared_ptr<const net::key_pair> key) {
  if (!config_.backend) return refuse(exchange, 503, "this node's gateway has no API");
  auto backend = config_.backend;
  auto opened = off_thread<result<std::shared_ptr<person_link>>>(
      [backend, user, key] { return backend->open(user, *key); },
      [this, exchange, user, role, key](result<std::shared_ptr<person_link>> link) {
        if (!link) return refuse(exchange, 503, "signed in, but the zone is not reachable: " + link.error().message());
        auto token = sessions_.create({user, role, key, "", 0, 0}, now_ms());
        links_[token_hash(token)] = *link;
        const auto* session = sessions_.find(token, now_ms());
        log().info("gateway: {} ({}) signed in from {} (session {})", user, role, exchange->client_address(),
                   token_hash(token).substr(0, 8));
        auto response = json_response(200, {{"user", user}, {"role", role}, {"csrf", session->csrf_token},
                                             {"zone", config_.zone_id}, {"node", config_.node_id}});
        response.set(http::field::set_cookie, set_cookie(panel_cookie, token, web_session_limits{}.lifetime_ms_max / 1000, true));
        exchange->reply(std::move(response));
      });
  if (!opened) refuse(exchange, 503, "the gateway is busy; retry in a moment");
}

void web_gateway::on_api(const exchange_ptr& exchange, const std::string& token, const web_session& session) {
  const auto& request = exchange->request();
  auto link = links_.find(token_hash(token));
  if (!config_.backend || link == links_.end()) return refuse(exchange, 503, "this node's gateway has no API");
  auto query = parse_query(net::text_of(request.target()));
  if (!query) return refuse(exchange, 400, "malformed query string");
  api_call call{session.user, session.role, std::string(request.method_string()),
                path_only(net::text_of(request.target())).substr(5), std::move(*query), request.body()};
  auto backend = config_.backend;
  auto queued = off_thread<api_answer>(
      [backend, person = link->second, call] { return backend->call(*person, call); },
      [this, exchange, user = session.user, path = call.path, method = call.method](api_answer answer) {
        if (answer.status_code >= 400) {
          log().info("gateway: {} {} by {}: {} {}", method, path, user, answer.status_code, answer.body.substr(0, 200));
        }
        auto response = net::make_web_response(answer.status_code, answer.content_type, std::move(answer.body));
        for (const auto& [name, value] : answer.headers) response.set(name, value);
        exchange->reply(std::move(response));
      });
  if (!queued) refuse(exchange, 503, "the gateway is busy; retry in a moment");
}

void web_gateway::open_app(const exchange_ptr& exchange, const std::string& token) {
  auto query = parse_query(net::text_of(exchange->request().target())).value_or(std::map<std::string, std::string>{});
  auto app = query["app"];
  auto to = query.count("to") ? query["to"] : "/";
  if (!apps_.count(app)) return refuse(exchange, 404, fmt::format("no app {} is installed", app.substr(0, 63)));
  if (!local_path(to)) to = "/";
  auto ticket = sessions_.ticket(token, app, now_ms());
  auto host = std::string(net::text_of(exchange->request()[http::field::host]));
  auto port = host.rfind(':') != std::string::npos ? host.substr(host.rfind(':')) : std::string();
  auto response = net::make_web_response(303, "text/plain", "to the app\n");
  response.set(http::field::location, fmt::format("https://{}.{}{}/.bucky/sso?ticket={}&to={}", app, config_.zone_id,
                                                  port, ticket, url_encode(to)));
  exchange->reply(std::move(response));
}

void web_gateway::start_events(const exchange_ptr& exchange) {
  if (streams_.size() >= config_.event_streams_max) {
    return refuse(exchange, 503, fmt::format("{} event streams are open here already", streams_.size()));
  }
  auto head = net::make_web_response(200, "text/event-stream", "");
  exchange->begin_stream(std::move(head));
  exchange->write_chunk(fmt::format("retry: 3000\n\nevent: zone\ndata: {}\n\n", summary_.empty() ? "{}" : summary_));
  streams_.push_back(exchange);
}

// What the panel reloads on: the zone's revision and where apps run. Sent when it
// changes; a comment every refresh otherwise, to notice readers that left.
void web_gateway::push_events() {
  json places = json::object();
  for (const auto& [app, where] : apps_) {
    json nodes = json::array();
    for (const auto& place : where) nodes.push_back(place.node);
    places[app] = nodes;
  }
  auto summary = json{{"revision", revision_}, {"apps", places}}.dump();
  auto changed = summary != summary_;
  summary_ = summary;
  auto text = changed ? fmt::format("event: zone\ndata: {}\n\n", summary) : std::string(": still here\n\n");
  std::erase_if(streams_, [&](const exchange_ptr& stream) {
    if (stream->gone() || !stream->write_chunk(text)) {
      stream->end_stream();
      return true;
    }
    return false;
  });
}

}  // namespace bucky::gateway
