// system_config: the zone state's semantic layer. Every system document has one
// key, one C++ type, one JSON form a person can read with `bucky kv get`, and one
// validation; it is read with its mod_revision and written only with a revision
// check (compare-and-set in one txn): a writer names the revision it read, 0 for
// "must not exist yet", so two writers can never overwrite each other blindly. The
// loser gets a conflict naming both revisions and reads again.
//
//   /system/acl               acl_config (actors/zone_state/acl.hpp)
//   /system/zone_config       the owner-signed zone config, mirrored by the state
//                             nodes' name_service (so the scheduler reads the nodes
//                             in the same snapshot as everything else)
//   /users/<name>             user_record: a person's key and role in the zone
//   /nodes/<node_id>/config   node_config (issue 6: what the node must run)
//   /nodes/<node_id>/status   node status (issue 6, under the node's lease)
//   /services/<name>/spec     service spec (issue 6)
//
// These are request builders and answer readers, usable from actors (scheduler,
// node loop) and from the CLI alike; they do no I/O. check_document_writes is the
// zone state's own gate: a put of a system document that does not parse (or, for
// the zone config, is not signed by the zone's owner or does not succeed the
// mirrored version) is refused before it reaches the log.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/zone_state/acl.hpp"
#include "actors/zone_state/service_json.hpp"
#include "messages/common/status.hpp"
#include "messages/kv.hpp"
#include "net/handshake.hpp"
#include "net/zone_config_file.hpp"

namespace bucky {

namespace system_keys {
std::string node_config(const std::string& node_id);
std::string node_status(const std::string& node_id);
std::string node_drain(const std::string& node_id);  // present: the scheduler moves everything off it
// "/nodes/<id>/<what>" -> (id, what); an empty id for a key of any other shape.
std::pair<std::string, std::string> split_node_key(const std::string& key);
std::string service_spec(const std::string& name);
std::string user(const std::string& name);
inline constexpr const char* users_prefix = "/users/";
inline constexpr const char* zone_config = "/system/zone_config";
inline constexpr const char* services_prefix = "/services/";
inline constexpr const char* nodes_prefix = "/nodes/";
}  // namespace system_keys

// A person allowed into the zone besides the owner: the transport admits the key as
// an admin named `name` (acl rules "admin" and "admin:<name>" apply to it). "owner"
// is reserved for the owner key.
// The roles a user may have: "admin" (everything but the owner's own documents,
// and the node actions: restart actors, faults, logs), "writer" (reads all, writes
// /home/<name>/ and what the ACL adds), "reader" (reads all, writes nothing the ACL
// does not grant). `bucky user add` makes writers unless told otherwise.
std::optional<net::peer_identity::kind> user_role_kind(const std::string& role);

struct user_record {
  std::string name;        // one DNS label, not "owner"
  std::string public_key;  // base64url Ed25519
  std::string role;        // "admin", "writer" or "reader"
  std::string signature{};  // the owner's, base64url (signed_documents.hpp); nodes admit only signed users
  bool operator==(const user_record&) const = default;
};
inline constexpr std::size_t users_max = 256;

struct acl_document {
  using type = acl_config;
  static std::string key(const std::string&) { return acl_key; }
  static result<acl_config> parse(std::string_view json) { return parse_acl(json); }
  static std::string render(const acl_config& acl) { return acl_to_json(acl); }
};

struct user_document {
  using type = user_record;
  static std::string key(const std::string& name) { return system_keys::user(name); }
  static result<user_record> parse(std::string_view json);
  static std::string render(const user_record& user);
};

struct service_spec_document {
  using type = service_spec;
  static std::string key(const std::string& name) { return system_keys::service_spec(name); }
  static result<service_spec> parse(std::string_view json) { return parse_service_spec(json); }
  static std::string render(const service_spec& spec) { return service_spec_to_json(spec); }
};

struct node_config_document {
  using type = node_config;
  static std::string key(const std::string& node_id) { return system_keys::node_config(node_id); }
  static result<node_config> parse(std::string_view json) { return parse_node_config(json); }
  static std::string render(const node_config& config) { return node_config_to_json(config); }
};

struct node_status_document {
  using type = node_status;
  static std::string key(const std::string& node_id) { return system_keys::node_status(node_id); }
  static result<node_status> parse(std::string_view json) { return parse_node_status(json); }
  static std::string render(const node_status& status) { return node_status_to_json(status); }
};

// The zone config as JSON a person can read, plus "signed": the owner-signed
// document (base64url) the readable fields were rendered from. Parsing verifies the
// signature under the owner key the document names and that the readable fields
// say exactly what the signed document says; a reader that pins the owner compares
// config.owner_key with its own.
struct zone_config_document {
  using type = net::verified_zone_config;
  static std::string key(const std::string&) { return system_keys::zone_config; }
  static result<net::verified_zone_config> parse(std::string_view json);
  static std::string render(const net::verified_zone_config& zone);
};

// What the zone state checks a system-document write against.
struct document_context {
  std::optional<net::public_key> zone_owner;  // the zone's owner (none in development)
  // The zone config mirrored in the applied state now, if any.
  std::function<std::optional<zone_config>()> mirrored_zone;
  // The users in the applied state now (who may sign specs besides the owner).
  std::function<std::vector<user_record>()> users;
};

// Every put of a system document in `request` (either branch) must parse; a zone
// config must carry the zone owner's signature and succeed the mirrored one (same
// version and bytes again are fine); with a zone owner known, a user must carry
// the owner's signature and a spec its author's (signed_documents.hpp). Errors
// name the key and the field.
status check_document_writes(const kv_request& request, const document_context& context);

template <class Value>
struct versioned {
  Value value;
  std::int64_t mod_revision = 0;
};

kv_request read_document_request(const std::string& key);
// Drains a node (puts /nodes/<id>/drain: the scheduler moves its services off it and
// places nothing there) or undrains it (deletes the key; nothing moves back).
kv_request node_drain_request(const std::string& node_id, bool drained, std::int64_t unix_ms);
// The raw JSON and its revision, or nullopt when the key does not exist.
result<std::optional<versioned<std::string>>> read_document_answer(const std::string& key, const kv_response& answer);
// Put `json` at `key` if its mod_revision is still `expected` (0: absent).
kv_request write_document_request(const std::string& key, const std::string& json, std::int64_t expected_mod_revision);
// Delete `key` if its mod_revision is still `expected` (read it first).
kv_request delete_document_request(const std::string& key, std::int64_t expected_mod_revision);
// Of a write or a delete: the new revision, or a conflict (status already_exists)
// naming the revision the key has now.
result<std::int64_t> write_document_answer(const std::string& key, std::int64_t expected_mod_revision,
                                           const kv_response& answer);

template <class Document>
result<std::optional<versioned<typename Document::type>>> read_typed(const std::string& id, const kv_response& answer) {
  auto raw = read_document_answer(Document::key(id), answer);
  if (!raw) return raw.error();
  if (!*raw) return std::optional<versioned<typename Document::type>>{};
  auto value = Document::parse((*raw)->value);
  if (!value) {
    return status(status_code::corruption, Document::key(id) + " holds an invalid document: " + value.error().message());
  }
  return std::optional<versioned<typename Document::type>>{versioned<typename Document::type>{std::move(*value),
                                                                                             (*raw)->mod_revision}};
}

template <class Document>
kv_request write_typed(const std::string& id, const typename Document::type& value, std::int64_t expected) {
  return write_document_request(Document::key(id), Document::render(value), expected);
}

}  // namespace bucky
