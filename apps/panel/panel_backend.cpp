#include "apps/panel/panel_backend.hpp"

#include <fmt/format.h>

#include "apps/panel/panel_link.hpp"

namespace bucky::panel {

namespace {

using json = nlohmann::json;

unsigned http_status_of(status_code code) {
  switch (code) {
    case status_code::invalid_argument: return 400;
    case status_code::not_found: return 404;
    case status_code::already_exists: return 409;
    case status_code::too_large: return 413;
    case status_code::permission_denied: return 403;
    case status_code::unavailable:
    case status_code::timeout: return 503;
    case status_code::no_space: return 507;
    case status_code::unsupported: return 501;
    default: return 500;
  }
}

class panel_backend : public gateway::api_backend {
 public:
  explicit panel_backend(panel_backend_config config) : config_(std::move(config)) {}

  result<std::shared_ptr<gateway::person_link>> open(const std::string&, const net::key_pair& key) override {
    auto session = cli::open_session_with_key(key, *config_.peers->current(), config_.zone_id, config_.state_nodes,
                                              config_.timeout_ms, cli::wait_for::any_node);
    if (!session) return session.error();
    if (session->client->connected().empty()) {
      return status(status_code::unavailable, "no node of the zone admitted this person's key in time");
    }
    auto link = std::make_shared<panel_link>();
    link->target.session = std::move(*session);
    link->options.zone_id = config_.zone_id;
    link->options.timeout_ms = config_.timeout_ms;
    return std::shared_ptr<gateway::person_link>(std::move(link));
  }

  gateway::api_answer call(gateway::person_link& person, const gateway::api_call& call) override {
    auto& link = static_cast<panel_link&>(person);
    const auto& path = call.path;
    if (path == "nodes" && call.method == "GET") return nodes_view(link);
    if (path == "apps" && call.method == "GET") return apps_view(link);
    if (path.starts_with("files/")) return files_call(link, call, config_.file_bytes_max);
    if (path == "users" || path.starts_with("users/")) return users_call(link, call);
    if (path == "repo" || path.starts_with("apps/")) return apps_call(link, call);
    return error_answer(404, fmt::format("no API call {} {}", call.method, path.substr(0, 80)));
  }

  std::uint64_t body_bytes_max(const std::string& method, const std::string& path) const override {
    if (method == "PUT" && path == "files/put") return config_.file_bytes_max;
    return 64 * 1024;
  }

 private:
  panel_backend_config config_;
};

}  // namespace

bool panel_link::pick_file_node() {
  auto connected = session().client->connected();
  if (connected.empty()) return false;
  if (!connected.count(target.node)) target.node = *connected.begin();
  return true;
}

gateway::api_answer json_answer(const json& body, unsigned status_code) {
  return {status_code, "application/json", body.dump(), {}};
}

gateway::api_answer error_answer(unsigned status_code, const std::string& message) {
  return json_answer(json{{"error", message}}, status_code);
}

gateway::api_answer error_answer(const status& problem) { return error_answer(http_status_of(problem.code()), problem.message()); }

std::optional<json> json_body(const gateway::api_call& call, gateway::api_answer& refusal) {
  auto body = json::parse(call.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    refusal = error_answer(400, "the body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

std::shared_ptr<gateway::api_backend> make_panel_backend(panel_backend_config config) {
  return std::make_shared<panel_backend>(std::move(config));
}

}  // namespace bucky::panel
