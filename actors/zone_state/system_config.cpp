#include "actors/zone_state/system_config.hpp"

#include "actors/zone_state/signed_documents.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "messages/zone_config.hpp"
#include "net/peer_directory.hpp"
#include "net/zone_config_sign.hpp"
#include "net/zone_config_txt.hpp"

namespace bucky {

namespace system_keys {
std::string node_config(const std::string& node_id) { return "/nodes/" + node_id + "/config"; }
std::string node_status(const std::string& node_id) { return "/nodes/" + node_id + "/status"; }
std::string node_drain(const std::string& node_id) { return "/nodes/" + node_id + "/drain"; }

std::pair<std::string, std::string> split_node_key(const std::string& key) {
  std::string_view rest(key);
  std::string_view prefix(nodes_prefix);
  if (rest.substr(0, prefix.size()) != prefix) return {};
  rest.remove_prefix(prefix.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return {};
  return {std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}
std::string service_spec(const std::string& name) { return "/services/" + name + "/spec"; }
std::string user(const std::string& name) { return "/users/" + name; }
}  // namespace system_keys

std::optional<net::peer_identity::kind> user_role_kind(const std::string& role) {
  if (role == "admin") return net::peer_identity::kind::admin;
  if (role == "writer") return net::peer_identity::kind::writer;
  if (role == "reader") return net::peer_identity::kind::reader;
  return std::nullopt;
}

result<user_record> user_document::parse(std::string_view text) {
  auto bad = [](const std::string& what) { return status(status_code::invalid_argument, "user: " + what); };
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return bad(R"(expected {"name": ..., "public_key": ..., "role": ...})");
  for (auto field : {"name", "public_key", "role"}) {
    if (!json.contains(field) || !json[field].is_string()) return bad(fmt::format("\"{}\" must be a string", field));
  }
  user_record user{json["name"], json["public_key"], json["role"], ""};
  if (json.contains("signature")) {
    if (!json["signature"].is_string() || json["signature"].get_ref<const std::string&>().size() > 128) {
      return bad("\"signature\" must be the owner's signature in base64url (bucky user add makes it)");
    }
    user.signature = json["signature"];
  }
  if (!valid_node_id(user.name)) return bad("\"name\" must be one DNS label (a-z, 0-9, -)");
  if (user.name == net::owner_admin_name) return bad("\"name\": \"owner\" is the zone owner's; pick another name");
  if (!net::public_key::from_text(user.public_key)) {
    return bad("\"public_key\" must be a 43-character base64url Ed25519 key (bucky key create prints one)");
  }
  if (!user_role_kind(user.role)) return bad("\"role\" must be \"admin\", \"writer\" or \"reader\"");
  return user;
}

std::string user_document::render(const user_record& user) {
  nlohmann::json out{{"name", user.name}, {"public_key", user.public_key}, {"role", user.role}};
  if (!user.signature.empty()) out["signature"] = user.signature;
  return out.dump();
}

namespace {

nlohmann::json zone_config_json(const net::verified_zone_config& zone) {
  const auto& config = zone.config;
  auto nodes = nlohmann::json::array();
  for (const auto& node : config.nodes) {
    nodes.push_back({{"node_id", node.node_id}, {"public_key", node.public_key}, {"address", node.address}});
  }
  return {{"zone_id", config.zone_id},
          {"version", config.version},
          {"owner_key", config.owner_key},
          {"state_nodes", config.state_nodes},
          {"nodes", nodes},
          {"revoked_keys", config.revoked_keys},
          {"signed", net::signed_zone_config_to_text(zone.document)}};
}

}  // namespace

result<net::verified_zone_config> zone_config_document::parse(std::string_view text) {
  auto bad = [](const std::string& what) { return status(status_code::invalid_argument, "zone_config: " + what); };
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return bad("not a JSON object");
  if (!json.contains("signed") || !json["signed"].is_string()) {
    return bad("\"signed\" must be a string (the owner-signed document, base64url)");
  }
  auto document = net::signed_zone_config_from_text(json["signed"].get<std::string>(), "zone_config \"signed\"");
  if (!document) return document.error();
  auto config = net::verify_zone_config(*document, std::nullopt);
  if (!config) return bad(config.error().message());
  net::verified_zone_config zone{std::move(*document), std::move(*config)};
  if (zone_config_json(zone) != json) return bad("the readable fields differ from the signed document");
  return zone;
}

std::string zone_config_document::render(const net::verified_zone_config& zone) { return zone_config_json(zone).dump(); }

namespace {

status check_zone_config_write(const std::string& value, const document_context& context) {
  auto zone = zone_config_document::parse(value);
  if (!zone) return zone.error();
  if (context.zone_owner && zone->config.owner_key != context.zone_owner->to_text()) {
    return status(status_code::permission_denied,
                  fmt::format("{}: signed by {}, not by this zone's owner", system_keys::zone_config,
                              zone->config.owner_key));
  }
  auto mirrored = context.mirrored_zone ? context.mirrored_zone() : std::nullopt;
  if (!mirrored || *mirrored == zone->config) return {};
  if (auto update = net::check_zone_update(*mirrored, zone->config); !update.is_ok()) {
    return status(update.code(), fmt::format("{}: version {} may not replace the mirrored version {}: {}",
                                              system_keys::zone_config, zone->config.version, mirrored->version,
                                              update.message()));
  }
  return {};
}

// "<prefix><id><suffix>" -> id (one path segment), else nullopt.
std::optional<std::string> document_id(const std::string& key, std::string_view prefix, std::string_view suffix) {
  if (key.size() <= prefix.size() + suffix.size() || key.compare(0, prefix.size(), prefix) != 0 ||
      key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  auto id = key.substr(prefix.size(), key.size() - prefix.size() - suffix.size());
  if (id.find('/') != std::string::npos) return std::nullopt;
  return id;
}

// The document parses and names the id its key names.
template <class Document, class NameOf>
status check_named(const std::string& key, const std::string& value, const std::string& id, NameOf name_of) {
  auto parsed = Document::parse(value);
  if (!parsed) return status(parsed.error().code(), key + ": " + parsed.error().message());
  if (name_of(*parsed) != id) {
    return status(status_code::invalid_argument,
                  fmt::format("{}: the document names '{}'; it belongs at {}", key, name_of(*parsed),
                              Document::key(name_of(*parsed))));
  }
  return {};
}

// A user may not take a node's name, nor the owner's or a node's key.
status check_user_against_zone(const user_record& user, const document_context& context) {
  auto zone = context.mirrored_zone ? context.mirrored_zone() : std::nullopt;
  if (!zone) return {};
  auto refuse = [&](const std::string& why) {
    return status(status_code::invalid_argument,
                  fmt::format("{}: {} in zone {}", system_keys::user(user.name), why, zone->zone_id));
  };
  if (user.public_key == zone->owner_key) return refuse("the key is the owner's (the owner needs no user)");
  for (const auto& node : zone->nodes) {
    if (node.node_id == user.name) return refuse("the name is taken by a node");
    if (node.public_key == user.public_key) return refuse("the key is node " + node.node_id + "'s");
  }
  return {};
}

status check_document_write(const std::string& key, const std::string& value, const document_context& context) {
  if (key == acl_key) return parse_acl(value).error();
  if (key == system_keys::zone_config) return check_zone_config_write(value, context);
  if (auto id = document_id(key, system_keys::services_prefix, "/spec")) {
    auto named = check_named<service_spec_document>(key, value, *id, [](const service_spec& s) { return s.name; });
    if (!named.is_ok() || !context.zone_owner) return named;
    auto spec = service_spec_document::parse(value);
    auto signers = spec_signers_of(*context.zone_owner, context.users ? context.users() : std::vector<user_record>{});
    if (auto signed_ok = verify_spec(*spec, signers); !signed_ok.is_ok()) return signed_ok;
    return {};
  }
  if (auto id = document_id(key, system_keys::nodes_prefix, "/config")) {
    return check_named<node_config_document>(key, value, *id, [](const node_config& c) { return c.node_id; });
  }
  if (auto id = document_id(key, system_keys::nodes_prefix, "/status")) {
    return check_named<node_status_document>(key, value, *id, [](const node_status& s) { return s.node_id; });
  }
  std::string_view users = system_keys::users_prefix;
  if (key.compare(0, users.size(), users) == 0) {
    auto user = user_document::parse(value);
    if (!user) return status(user.error().code(), key + ": " + user.error().message());
    if (key != system_keys::user(user->name)) {
      return status(status_code::invalid_argument, fmt::format("{}: holds user \"{}\"; a user lives at {}", key,
                                                               user->name, system_keys::user(user->name)));
    }
    if (context.zone_owner) {
      if (auto signed_ok = verify_user(*user, *context.zone_owner); !signed_ok.is_ok()) return signed_ok;
    }
    return check_user_against_zone(*user, context);
  }
  return {};
}

}  // namespace

status check_document_writes(const kv_request& request, const document_context& context) {
  for (const auto* ops : {&request.success, &request.failure}) {
    for (const auto& op : *ops) {
      if (op.kind != kv_op_kind::put) continue;
      if (auto checked = check_document_write(op.key, op.value, context); !checked.is_ok()) return checked;
    }
  }
  return {};
}

kv_request node_drain_request(const std::string& node_id, bool drained, std::int64_t unix_ms) {
  kv_request request;
  auto key = system_keys::node_drain(node_id);
  if (drained) {
    nlohmann::json note = {{"node", node_id}, {"drained_unix_ms", unix_ms}};
    request.success.push_back({kv_op_kind::put, key, "", note.dump()});
  } else {
    request.success.push_back({kv_op_kind::delete_range, key, "", ""});
  }
  return request;
}

kv_request read_document_request(const std::string& key) {
  kv_request request;
  request.success.push_back(range_op(key));
  return request;
}

result<std::optional<versioned<std::string>>> read_document_answer(const std::string& key, const kv_response& answer) {
  if (answer.results.size() != 1 || answer.results[0].kind != kv_op_kind::range) {
    return status(status_code::internal, "reading " + key + ": the answer is not one range result");
  }
  const auto& kvs = answer.results[0].kvs;
  if (kvs.empty()) return std::optional<versioned<std::string>>{};
  return std::optional<versioned<std::string>>{versioned<std::string>{kvs[0].value, kvs[0].mod_revision}};
}

kv_request write_document_request(const std::string& key, const std::string& json, std::int64_t expected) {
  kv_request request;
  request.compares.push_back({key, kv_compare_target::mod_revision, kv_compare_result::equal, "", expected});
  request.success.push_back({kv_op_kind::put, key, "", json});
  request.failure.push_back(range_op(key));
  return request;
}

kv_request delete_document_request(const std::string& key, std::int64_t expected) {
  kv_request request;
  request.compares.push_back({key, kv_compare_target::mod_revision, kv_compare_result::equal, "", expected});
  request.success.push_back({kv_op_kind::delete_range, key});
  request.failure.push_back(range_op(key));
  return request;
}

result<std::int64_t> write_document_answer(const std::string& key, std::int64_t expected, const kv_response& answer) {
  if (!answer.error.empty()) return status(status_code::invalid_argument, key + ": " + answer.error);
  if (answer.succeeded) return answer.revision;
  std::int64_t now = 0;
  if (answer.results.size() == 1 && !answer.results[0].kvs.empty()) now = answer.results[0].kvs[0].mod_revision;
  return status(status_code::already_exists,
                fmt::format("{} changed: it was expected at revision {}{} but is {}; read it again and reapply "
                            "the change",
                            key, expected, expected == 0 ? " (absent)" : "",
                            now == 0 ? std::string("absent") : "at revision " + std::to_string(now)));
}

}  // namespace bucky
