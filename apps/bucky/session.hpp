// What every networked bucky command shares: its options, how it reaches the zone
// (an admin session over the authenticated transport, from the zone file or a peers
// file), how it reports failure, and one call to the zone state with retries.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/transport/admin_client.hpp"
#include "apps/bucky/key_paths.hpp"
#include "messages/kv_client.hpp"
#include "net/keys.hpp"
#include "net/peer_directory.hpp"

namespace bucky::cli {

struct cli_options {
  std::string key_path;
  std::string peers_path;
  std::string zone_path;  // the signed zone config: nodes and the owner key
  std::string zone_id = "local";
  std::uint64_t timeout_ms = 3'000;
  bool json_output = false;
  std::string node;
  std::string via;
  std::size_t size_bytes = 16;
  std::string key;
  std::string value;
  bool prefix = false;
  bool serializable = false;
  std::int64_t from_revision = 0;
  std::uint64_t count = 0;  // watch: stop after this many events (0: run until interrupted)
  std::int64_t lease = 0;
  std::int64_t ttl_s = 0;
  bool once = false;
  std::string range_end;                 // kv range
  std::int64_t expected_revision = -1;   // acl set: the revision read (0: none stored)
  std::string role;                      // user add: "writer" (default), "reader", "admin"
};


// Options with the key, peers and zone files from BUCKY_KEY, BUCKY_PEERS, BUCKY_ZONE.
cli_options options_from_environment();

// Prints "bucky: <message>" on stderr and returns `code` (1 failure, 2 usage).
int fail(int code, const std::string& message);
// The same for a refusal: 2 when the input was invalid, 1 otherwise.
int fail_with(const status& problem);

struct admin_session {
  std::unique_ptr<admin_client> client;
  net::peer_directory peers;
  std::string zone_id;
  std::string public_key;             // this client's, as text
  std::vector<std::string> nodes;     // every node that listens somewhere
  std::vector<std::string> kv_nodes;  // those holding a zone-state replica
  std::optional<net::key_pair> key;   // this client's: it signs users and specs
  std::string name;                   // "owner" for the owner key, else "admin" until known
};

// The name this session's key signs specs under: "owner", or the admin user whose
// /users/ record holds this key (read from the zone state). An error says why the
// key may not sign (not the owner's, not an admin's).
result<std::string> signer_name(admin_session& session, const cli_options& options);

// How long to wait for sessions: status wants every node, a kv call one of them.
enum class wait_for { all_nodes, any_node };

result<admin_session> open_session(const cli_options& options, wait_for waiting = wait_for::all_nodes);
// The same with a key in hand (the gateway's, for a signed-in person): dials the
// nodes of `peers`; `state_nodes` hold the zone state (empty: every node).
result<admin_session> open_session_with_key(const net::key_pair& key, const net::peer_directory& peers,
                                            const std::string& zone_id, const std::vector<std::string>& state_nodes,
                                            std::uint64_t timeout_ms, wait_for waiting);

// Sends one request to the zone state through `node` (or the first reachable node),
// retrying with the same (client, sequence) while no leader is known or the outcome
// is unknown, until --timeout-ms.
result<kv_client_response> kv_call(const cli_options& options, const kv_request& request);
// Deletes the system document at `key` at the revision it has now (read first, so a
// concurrent change makes the delete fail rather than vanish); `what` names it in
// the error when it does not exist. The revision of the delete.
result<std::int64_t> remove_document(const cli_options& options, const std::string& key, const std::string& what);
// The same through a session already open (repeated calls: no new handshakes).
result<kv_client_response> kv_call(admin_session& session, const cli_options& options, const kv_request& request);

}  // namespace bucky::cli
