// The panel's users page: the owner adds, removes and resets people; each person
// changes their own password (the same functions as bucky user).
#include <fmt/format.h>

#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"
#include "apps/bucky/commands.hpp"
#include "apps/panel/panel_link.hpp"
#include "net/password_box.hpp"

namespace bucky::panel {

namespace {

using json = nlohmann::json;

std::string text_field(const json& body, const char* name) {
  auto found = body.find(name);
  return found != body.end() && found->is_string() ? found->get<std::string>() : std::string();
}

gateway::api_answer list_users(panel_link& link) {
  kv_request request;
  request.success.push_back(range_op(system_keys::users_prefix, prefix_range_end(system_keys::users_prefix)));
  auto answer = cli::kv_call(link.session(), link.options, request);
  if (!answer) return error_answer(answer.error());
  json users = json::array();
  for (const auto& kv : answer->response.results.at(0).kvs) {
    auto user = user_document::parse(kv.value);
    if (user) users.push_back({{"name", user->name}, {"role", user->role}, {"public_key", user->public_key}});
  }
  return json_answer({{"users", users}});
}

}  // namespace

gateway::api_answer users_call(panel_link& link, const gateway::api_call& call) {
  if (call.path == "users" && call.method == "GET") return list_users(link);
  if (call.method != "POST") return error_answer(405, "users are changed with POST");
  gateway::api_answer refusal;
  auto body = json_body(call, refusal);
  if (!body) return refusal;
  auto name = text_field(*body, "name");
  auto password = text_field(*body, "password");
  if (call.path == "users/add") {
    auto role = text_field(*body, "role");
    user_record user{name, "", role.empty() ? "writer" : role, ""};
    if (auto problem = net::password_problem(password); !problem.empty()) return error_answer(400, problem);
    auto added = cli::add_user(link.session(), link.options, user, password);
    if (!added) return error_answer(added.error());
    return json_answer({{"added", name}, {"role", user.role}, {"revision", *added}});
  }
  if (call.path == "users/remove") {
    if (link.session().name != net::owner_admin_name) return error_answer(403, "only the owner removes users");
    auto removed = cli::remove_user(link.session(), link.options, name);
    if (!removed) return error_answer(removed.error());
    return json_answer({{"removed", name}, {"revision", *removed}});
  }
  if (call.path == "users/passwd") {
    if (auto problem = net::password_problem(password); !problem.empty()) return error_answer(400, problem);
    auto done = cli::set_password(link.session(), link.options, name, password);
    if (!done) return error_answer(done.error());
    return json_answer({{"done", *done}});
  }
  return error_answer(404, fmt::format("no API call POST {}", call.path));
}

}  // namespace bucky::panel
