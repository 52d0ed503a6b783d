// bucky user add / list / remove: the people besides the owner who may administer
// the zone, as user documents at /users/<name> (revision-checked). Every node admits
// a listed key as an admin within a few seconds (its name_service reads /users/).
#include <chrono>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/zone_state/control_keys.hpp"
#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/signed_documents.hpp"
#include "actors/zone_state/system_config.hpp"
#include "apps/bucky/json_output.hpp"
#include "apps/bucky/commands.hpp"
#include "apps/bucky/node_commands.hpp"
#include "net/api_token.hpp"
#include "net/key_file.hpp"
#include "net/password_box.hpp"
#include "net/peer_directory.hpp"
#include "net/zone_config_file.hpp"

namespace bucky::cli {

namespace {

using json = nlohmann::json;

}  // namespace

result<std::int64_t> add_user(admin_session& session, const cli_options& options, user_record user,
                              const std::optional<std::string>& password) {
  // Without a key file of their own, a person gets a key that only their password opens.
  std::optional<net::key_pair> made;
  if (user.public_key.empty()) {
    if (!password) return status(status_code::invalid_argument, "a user without --public-key needs a password");
    made = net::key_pair::generate();
    user.public_key = made->public_part().to_text();
  }
  if (auto valid = user_document::parse(user_document::render(user)); !valid) return valid.error();
  if (session.name != net::owner_admin_name) {
    return status(status_code::permission_denied,
                  fmt::format("only the owner adds users, and key {} is not the owner's", session.public_key));
  }
  std::string sealed;
  if (made) {
    auto box = net::seal_key_with_password(*made, *password);
    if (!box) return box.error();
    sealed = std::move(*box);
  }
  sign_user(user, *session.key);  // nodes admit only users the owner signed
  auto request = write_typed<user_document>(user.name, user, 0);
  if (made) request.success.push_back(login_put(user.name, sealed));
  auto answer = kv_call(session, options, request);
  if (!answer) return answer.error();
  auto written = write_document_answer(system_keys::user(user.name), 0, answer->response);
  if (!written) {
    return status(status_code::already_exists, fmt::format("user {} already exists ({}); remove them first", user.name,
                                                           written.error().message()));
  }
  return *written;
}

int user_add_command(const cli_options& options) {
  user_record user{options.key, options.value, options.role.empty() ? "writer" : options.role, ""};
  if (auto valid = user_document::parse(user_document::render(
          user_record{user.name, user.public_key.empty() ? net::key_pair::generate().public_part().to_text() : user.public_key,
                      user.role, ""}));
      !valid) {
    return fail(2, valid.error().message());
  }
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  std::optional<std::string> password;
  if (user.public_key.empty()) {
    auto typed = read_new_password();
    if (!typed) return fail_with(typed.error());
    password = std::move(*typed);
  }
  auto written = add_user(*session, options, user, password);
  if (!written) return fail_with(written.error());
  std::cout << fmt::format("user {} added as {} at revision {}{}\n", user.name, user.role, *written,
                           password ? ": they sign in to the gateway with that password"
                                    : ": nodes admit their key within a few seconds");
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

result<std::int64_t> remove_user(admin_session& session, const cli_options& options, const std::string& name) {
  auto key = system_keys::user(name);
  auto read = kv_call(session, options, read_document_request(key));
  if (!read) return read.error();
  auto current = read_document_answer(key, read->response);
  if (!current) return current.error();
  if (!*current) return status(status_code::not_found, fmt::format("no user {} (bucky user list shows them)", name));
  auto request = delete_document_request(key, (*current)->mod_revision);
  kv_op login;  // their password-sealed key goes with them
  login.kind = kv_op_kind::delete_range;
  login.key = std::string(logins_prefix) + name;
  request.success.push_back(login);
  auto answer = kv_call(session, options, request);
  if (!answer) return answer.error();
  return write_document_answer(key, (*current)->mod_revision, answer->response);
}

int user_remove_command(const cli_options& options) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  auto removed = remove_user(*session, options, options.key);
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
