#include "actors/state_store/system_config.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "messages/zone_config.hpp"

namespace bucky {

namespace system_keys {
std::string node_config(const std::string& node_id) { return "/nodes/" + node_id + "/config"; }
std::string node_status(const std::string& node_id) { return "/nodes/" + node_id + "/status"; }
std::string service_spec(const std::string& name) { return "/services/" + name + "/spec"; }
std::string user(const std::string& name) { return "/users/" + name; }
}  // namespace system_keys

result<user_record> user_document::parse(std::string_view text) {
  auto bad = [](const std::string& what) { return status(status_code::invalid_argument, "user: " + what); };
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return bad(R"(expected {"name": ..., "public_key": ..., "role": ...})");
  for (auto field : {"name", "public_key", "role"}) {
    if (!json.contains(field) || !json[field].is_string()) return bad(fmt::format("\"{}\" must be a string", field));
  }
  user_record user{json["name"], json["public_key"], json["role"]};
  if (!valid_node_id(user.name)) return bad("\"name\" must be one DNS label (a-z, 0-9, -)");
  if (user.public_key.size() != 43) return bad("\"public_key\" must be a 43-character base64url Ed25519 key");
  if (user.role != "admin" && user.role != "user") return bad("\"role\" must be \"admin\" or \"user\"");
  return user;
}

std::string user_document::render(const user_record& user) {
  return nlohmann::json{{"name", user.name}, {"public_key", user.public_key}, {"role", user.role}}.dump();
}

kv_request read_document_request(const std::string& key) {
  kv_request request;
  request.success.push_back({kv_op_kind::range, key});
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
  request.failure.push_back({kv_op_kind::range, key});
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
