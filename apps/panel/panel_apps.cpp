// The panel's store and app actions: the zone's repos searched, what a package asks
// shown before anything is installed, the install granting only the asks the
// person ticked, stop, start and remove (bucky app search|install|stop|start|remove).
#include <fmt/format.h>

#include "apps/bucky/app_commands.hpp"
#include "apps/bucky/app_repo.hpp"
#include "apps/panel/panel_link.hpp"

namespace bucky::panel {

namespace {

using json = nlohmann::json;

// A person at a screen waits for a package to come from a repo.
constexpr std::uint64_t install_timeout_ms = 30'000;

std::string query_of(const gateway::api_call& call, const char* name) {
  auto found = call.query.find(name);
  return found == call.query.end() ? std::string() : found->second;
}

}  // namespace

gateway::api_answer apps_call(panel_link& link, const gateway::api_call& call) {
  if (call.path == "repo" && call.method == "GET") {
    auto found = cli::repo_packages(link.session(), link.options, query_of(call, "q"));
    return found ? json_answer(*found) : error_answer(found.error());
  }
  std::lock_guard lock(link.files_mutex);  // packages come through the zone's files
  if (!link.pick_file_node()) return error_answer(503, "no node of the zone has a session with this person now");
  auto options = link.options;
  options.timeout_ms = std::max(options.timeout_ms, install_timeout_ms);
  if (call.path == "apps/offer" && call.method == "GET") {
    auto name = query_of(call, "name");
    if (name.empty()) return error_answer(400, "?name=APP[#VERSION] is required");
    auto offer = cli::app_offer(link.target, options, name);
    return offer ? json_answer(*offer) : error_answer(offer.error());
  }
  if (call.method != "POST") return error_answer(405, "apps are changed with POST");
  gateway::api_answer refusal;
  auto body = json_body(call, refusal);
  if (!body) return refusal;
  auto name = body->value("name", std::string());
  if (name.empty()) return error_answer(400, "{\"name\": APP} is required");
  if (call.path == "apps/install") {
    auto content_id = body->value("content_id", std::string());
    std::vector<bool> answers;
    if (!body->contains("answers") || !(*body)["answers"].is_array()) {
      return error_answer(400, "{\"answers\": [true|false, ...]} (one per ask, in the order shown) is required");
    }
    for (const auto& answer : (*body)["answers"]) {
      if (!answer.is_boolean()) return error_answer(400, "every answer is true or false");
      answers.push_back(answer.get<bool>());
    }
    auto installed = cli::app_install_answering(link.target, options, name, content_id, answers);
    return installed ? json_answer(*installed) : error_answer(installed.error());
  }
  if (call.path == "apps/public") {
    auto done = cli::app_set_public(link.session(), options, name, body->value("public", false));
    return done ? json_answer({{"done", *done}}) : error_answer(done.error());
  }
  if (call.path == "apps/run") {
    auto done = cli::app_set_running(link.session(), options, name, body->value("run", true));
    return done ? json_answer({{"done", *done}}) : error_answer(done.error());
  }
  if (call.path == "apps/remove") {
    auto removed = cli::app_remove_as(link.target, options, name, body->value("purge", false));
    return removed ? json_answer({{"done", *removed}}) : error_answer(removed.error());
  }
  return error_answer(404, fmt::format("no API call POST {}", call.path));
}

}  // namespace bucky::panel
