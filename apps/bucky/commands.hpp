// The bucky commands that talk to a running zone (apps/bucky/main.cpp parses their
// flags into cli_options). Each returns the exit code: 0, 1 failure, 2 usage.
#pragma once

#include <nlohmann/json.hpp>

#include "actors/zone_state/system_config.hpp"
#include "apps/bucky/session.hpp"
#include "messages/kv.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace bucky::cli {

int key_create(const cli_options& options);
int status_command(const cli_options& options);  // every node: actors, sessions, zone state
int ping_command(const cli_options& options);
int kv_command(const cli_options& options, kv_op_kind kind);     // put, get, del, range
int lease_command(const cli_options& options, kv_op_kind kind);  // grant, revoke, keepalive
int watch_command(const cli_options& options);
int acl_get_command(const cli_options& options);
int acl_set_command(const cli_options& options);
int user_add_command(const cli_options& options);     // name in key, public key in value
int user_list_command(const cli_options& options);
int user_remove_command(const cli_options& options);  // name in key
int user_passwd_command(const cli_options& options);
// Adds a person as the owner's `session` (only the owner may): with their public key,
// or (none in `user`) a new key sealed under `password`. The revision written.
result<std::int64_t> add_user(admin_session& session, const cli_options& options, user_record user,
                              const std::optional<std::string>& password);
// Removes a person and their password-sealed key, as the owner's `session`.
result<std::int64_t> remove_user(admin_session& session, const cli_options& options, const std::string& name);
// One node as bucky status shows it: up, actors, restarts and budget, sessions, and
// its zone-state replica's role, leader and progress.
nlohmann::json node_status_json(admin_session& session, const std::string& node, const cli_options& options);
// The zone state as the replicas among those rows see it: the leader most of them
// name, the highest revision, and each replica's role, ballot, progress and lag.
nlohmann::json zone_state_summary(const nlohmann::json& node_rows);  // name in key; the password from stdin
// A new password from stdin (twice at a terminal, without echo), checked.
result<std::string> read_new_password();
// The put of a person's password-sealed key (/logins/<name>).
kv_op login_put(const std::string& name, const std::string& sealed);
// Sets NAME's (or "owner"'s) password as `session`'s key may (user_password.cpp says
// who may what); what was done, in words.
result<std::string> set_password(admin_session& session, const cli_options& options, const std::string& name,
                                 const std::string& password);
// A bearer token for the HTTP API, signed by --key (the owner's by default).
int api_token_command(const cli_options& options, std::string name, std::uint64_t valid_s);

}  // namespace bucky::cli
