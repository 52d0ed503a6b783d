// system_config: the zone state's semantic layer. Every system document has one
// key, one C++ type, one JSON form a person can read with `bucky kv get`, and one
// validation; it is read with its mod_revision and written only with a revision
// check (compare-and-set in one txn): a writer names the revision it read, 0 for
// "must not exist yet", so two writers can never overwrite each other blindly. The
// loser gets a conflict naming both revisions and reads again.
//
//   /system/acl               acl_config (actors/state_store/acl.hpp)
//   /users/<name>             user_record: a person's key and role in the zone
//   /nodes/<node_id>/config   node_config (issue 6: what the node must run)
//   /nodes/<node_id>/status   node status (issue 6, under the node's lease)
//   /services/<name>/spec     service spec (issue 6)
//
// These are request builders and answer readers, usable from actors (scheduler,
// node loop) and from the CLI alike; they do no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/state_store/acl.hpp"
#include "messages/common/status.hpp"
#include "messages/kv.hpp"

namespace bucky {

namespace system_keys {
std::string node_config(const std::string& node_id);
std::string node_status(const std::string& node_id);
std::string service_spec(const std::string& name);
std::string user(const std::string& name);
}  // namespace system_keys

// A person allowed into the zone besides the owner.
struct user_record {
  std::string name;        // one DNS label
  std::string public_key;  // base64url Ed25519
  std::string role;        // "admin" or "user"
  bool operator==(const user_record&) const = default;
};

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

template <class Value>
struct versioned {
  Value value;
  std::int64_t mod_revision = 0;
};

kv_request read_document_request(const std::string& key);
// The raw JSON and its revision, or nullopt when the key does not exist.
result<std::optional<versioned<std::string>>> read_document_answer(const std::string& key, const kv_response& answer);
// Put `json` at `key` if its mod_revision is still `expected` (0: absent).
kv_request write_document_request(const std::string& key, const std::string& json, std::int64_t expected_mod_revision);
// The new mod_revision, or a conflict (status already_exists) naming the revision
// the key has now.
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
