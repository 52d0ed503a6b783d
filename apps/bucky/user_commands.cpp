// bucky user add / list / remove: the people besides the owner who may administer
// the zone, as user documents at /users/<name> (revision-checked). Every node admits
// a listed key as an admin within a few seconds (its name_service reads /users/).
#include <chrono>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/signed_documents.hpp"
#include "actors/zone_state/system_config.hpp"
#include "apps/bucky/json_output.hpp"
#include "apps/bucky/commands.hpp"
#include "apps/bucky/node_commands.hpp"
#include "net/api_token.hpp"
#include "net/key_file.hpp"
#include "net/peer_directory.hpp"
#include "net/zone_config_file.hpp"

namespace bucky::cli {

namespace {

using json = nlohmann::json;

}  // namespace

int user_add_command(const cli_options& options) {
  user_record user{options.key, options.value, options.role.empty() ? "writer" : options.role, ""};
  if (auto valid = user_document::parse(user_document::render(user)); !valid) {
    return fail(2, valid.error().message());
  }
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  if (session->name != net::owner_admin_name) {
    return fail(1, fmt::format("only the owner adds users, and key {} is not the owner's (--key OWNER.key)",
                               session->public_key));
  }
  sign_user(user, *session->key);  // nodes admit only users the owner signed
  auto key = system_keys::user(user.name);
  auto answer = kv_call(*session, options, write_typed<user_document>(user.name, user, 0));
  if (!answer) return fail_with(answer.error());
  auto written = write_document_answer(key, 0, answer->response);
  if (!written) {
    return fail(1, fmt::format("user {} already exists ({}); bucky user remove {} first", user.name,
                               written.error().message(), user.name));
  }
  std::cout << fmt::format("user {} added as {} at revision {}: nodes admit key {} within a few seconds\n",
                           user.name, user.role, *written, user.public_key);
  return 0;
}

int user_list_command(const cli_options& options) {
  kv_request request;
  request.success.push_back(range_op(system_keys::users_prefix, prefix_range_end(system_keys::users_prefix)));
  auto answer = kv_call(options, request);
  if (!answer) return fail_with(answer.error());
  json rows = json::array();
  for (const auto& kv : answer->response.results.at(0).kvs) {
    auto user = user_document::parse(kv.value);
    json row = {{"key", kv.key}, {"mod_revision", kv.mod_revision}};
    if (user) row.update({{"name", user->name}, {"role", user->role}, {"public_key", user->public_key}});
    else row["error"] = user.error().message();
    rows.push_back(row);
  }
  if (options.json_output) {
    std::cout << json_text(json{{"users", rows}}) << "\n";
    return 0;
  }
  if (rows.empty()) std::cout << "no users besides the owner (bucky user add NAME --public-key KEY)\n";
  for (const auto& row : rows) {
    if (row.contains("error")) {
      std::cout << fmt::format("{:<16} invalid: {}\n", row["key"].get<std::string>(), row["error"].get<std::string>());
    } else {
      std::cout << fmt::format("{:<16} {:<6} {} (revision {})\n", row["name"].get<std::string>(),
                               row["role"].get<std::string>(), row["public_key"].get<std::string>(),
                               row["mod_revision"].get<std::int64_t>());
    }
  }
  return 0;
}

int user_remove_command(const cli_options& options) {
  auto removed = remove_document(options, system_keys::user(options.key),
                                 "user " + options.key + " (bucky user list shows them)");
  if (!removed) return fail(1, removed.error().message());
  std::cout << fmt::format("user {} removed at revision {}: nodes close its sessions within a few seconds\n",
                           options.key, *removed);
  return 0;
}

int api_token_command(const cli_options& options, std::string name, std::uint64_t valid_s) {
  if (options.zone_path.empty()) return fail(2, "--zone FILE (or BUCKY_ZONE) is required: the token names the zone");
  auto zone = net::load_zone_config_file(options.zone_path, std::nullopt);
  if (!zone) return fail(1, zone.error().message());
  auto key_path = options.key_path.empty() ? default_owner_key_path(zone->config.zone_id) : options.key_path;
  auto key = net::load_key_file(key_path);
  if (!key) return fail(1, key.error().message());
  bool owner = key->public_part().to_text() == zone->config.owner_key;
  if (name.empty() && !owner) return fail(2, "--name NAME is required: the user this key belongs to (bucky user list)");
  if (name.empty()) name = net::owner_admin_name;
  if (valid_s == 0 || valid_s > net::api_token_lifetime_s_max) {
    return fail(2, fmt::format("--valid-s must be 1..{}", net::api_token_lifetime_s_max));
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  std::cout << net::make_api_token(*key, zone->config.zone_id, name, now.count() + valid_s) << "\n";
  return 0;
}

}  // namespace bucky::cli
