// The bucky commands that talk to a running zone (apps/bucky/main.cpp parses their
// flags into cli_options). Each returns the exit code: 0, 1 failure, 2 usage.
#pragma once

#include "apps/bucky/session.hpp"
#include "messages/kv.hpp"

#include <cstdint>
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
// A bearer token for the HTTP API, signed by --key (the owner's by default).
int api_token_command(const cli_options& options, std::string name, std::uint64_t valid_s);

}  // namespace bucky::cli
