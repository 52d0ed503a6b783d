#include "actors/krpc/api.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/zone_fs/fs_access.hpp"
#include "actors/zone_state/kv_machine.hpp"

namespace bucky::krpc {

namespace {

using json = nlohmann::json;

status bad_request(const std::string& why) { return status(status_code::invalid_argument, why); }

// Keys are paths of plain names: letters, digits, '.', '_', '-' and '/', no "..".
status check_key(std::string_view key, bool may_be_empty) {
  if (key.empty() && !may_be_empty) return bad_request("an empty key: /v1/kv/KEY");
  if (key.size() > krpc_limits::key_bytes_max) return bad_request(fmt::format("a key over {} bytes", krpc_limits::key_bytes_max));
  const bool plain = std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/';
  });
  if (!plain || key.find("..") != std::string_view::npos || key.starts_with('/')) {
    return bad_request(fmt::format("key \"{}\": use letters, digits, '.', '_', '-' and '/' (not first), no \"..\"", key.substr(0, 64)));
  }
  return {};
}

kv_op kv_op_of(kv_op_kind kind, std::string key) {
  kv_op op;
  op.kind = kind;
  op.key = std::move(key);
  return op;
}

}  // namespace

result<file_target> resolve_file(const std::vector<file_root>& roots, const std::string& zone_path, bool write) {
  const file_root* best = nullptr;
  for (const auto& root : roots) {
    const bool inside = zone_path == root.zone_path || zone_path.starts_with(root.zone_path + "/");
    if (inside && (best == nullptr || root.zone_path.size() > best->zone_path.size())) best = &root;
  }
  if (best == nullptr) {
    return status(status_code::permission_denied,
                  fmt::format("{} is neither the app's own folder nor one granted to it", zone_path.substr(0, 128)));
  }
  if (write && !best->writable) {
    return status(status_code::permission_denied, fmt::format("{} was granted read-only", best->zone_path));
  }
  return file_target{*best, zone_path == best->zone_path ? "" : zone_path.substr(best->zone_path.size() + 1)};
}

std::string app_kv_key(std::string_view app, std::string_view key) { return fmt::format("{}{}/{}", app_data_prefix, app, key); }

result<std::string> bearer_identity(std::string_view authorization) {
  constexpr std::string_view scheme = "Bucky ";
  if (!authorization.starts_with(scheme) || authorization.size() == scheme.size()) {
    return status(status_code::permission_denied, "no identity: send \"Authorization: Bucky <contents of /run/bucky/identity>\"");
  }
  return std::string(authorization.substr(scheme.size()));
}

result<krpc_call> parse_call(const http_call& request) {
  if (request.body.size() > krpc_limits::body_bytes_max) {
    return status(status_code::too_large, fmt::format("a body over {} bytes", krpc_limits::body_bytes_max));
  }
  krpc_call call;
  if (request.target == "/v1/whoami") {
    if (request.method != "GET") return status(status_code::unsupported, "/v1/whoami takes GET");
    return call;
  }
  constexpr std::string_view list_target = "/v1/kv/?prefix=";
  if (request.target == "/v1/kv/" || request.target.starts_with(list_target)) {
    if (request.method != "GET") return status(status_code::unsupported, "/v1/kv/?prefix= takes GET");
    call.what = krpc_call::kind::kv_list;
    call.key = request.target.size() > list_target.size() ? request.target.substr(list_target.size()) : "";
    if (auto valid = check_key(call.key, true); !valid.is_ok()) return valid;
    return call;
  }
  constexpr std::string_view files_target = "/v1/files/";
  if (request.target.starts_with(files_target)) {
    const std::string path = request.target.substr(files_target.size() - 1);
    auto normal = zone_fs::normalize_path(path);
    if (!normal || path.find("/./") != std::string::npos || path.find("/../") != std::string::npos || path.ends_with("/..")) {
      return bad_request(fmt::format("path \"{}\" is not a normalized zone path", path.substr(0, 64)));
    }
    call.key = normal.value();
    const bool directory = path.ends_with('/');
    if (request.method == "GET") call.what = directory ? krpc_call::kind::file_list : krpc_call::kind::file_get;
    else if (request.method == "PUT" && !directory) call.what = krpc_call::kind::file_put, call.value = request.body;
    else return status(status_code::unsupported, "/v1/files/PATH takes GET or PUT (a directory, PATH/: GET)");
    return call;
  }
  constexpr std::string_view kv_target = "/v1/kv/";
  if (!request.target.starts_with(kv_target)) {
    return status(status_code::not_found, fmt::format("no {}: /v1/whoami, /v1/kv/KEY, /v1/kv/?prefix=P", request.target.substr(0, 64)));
  }
  call.key = request.target.substr(kv_target.size());
  if (auto valid = check_key(call.key, false); !valid.is_ok()) return valid;
  if (request.method == "GET") call.what = krpc_call::kind::kv_get;
  else if (request.method == "PUT") call.what = krpc_call::kind::kv_put, call.value = request.body;
  else if (request.method == "DELETE") call.what = krpc_call::kind::kv_delete;
  else return status(status_code::unsupported, "/v1/kv/KEY takes GET, PUT or DELETE");
  return call;
}

kv_request kv_request_for(const krpc_call& call, std::string_view app) {
  kv_request request;
  const std::string key = app_kv_key(app, call.key);
  switch (call.what) {
    case krpc_call::kind::kv_get: request.success.push_back(range_op(key)); break;
    case krpc_call::kind::kv_list:
      request.success.push_back(range_op(key, prefix_range_end(key), krpc_limits::list_keys_max));
      request.success.back().limit = krpc_limits::list_keys_max;
      break;
    case krpc_call::kind::kv_put: {
      auto op = kv_op_of(kv_op_kind::put, key);
      op.value = call.value;
      request.success.push_back(std::move(op));
      break;
    }
    case krpc_call::kind::kv_delete: request.success.push_back(kv_op_of(kv_op_kind::delete_range, key)); break;
    case krpc_call::kind::whoami:
    case krpc_call::kind::file_get:
    case krpc_call::kind::file_put:
    case krpc_call::kind::file_list: break;  // no zone-state request (file_calls.hpp)
  }
  return request;
}

http_answer answer_for(const krpc_call& call, std::string_view app, const kv_response& response) {
  const auto& result = response.results.at(0);
  switch (call.what) {
    case krpc_call::kind::kv_get:
      if (result.kvs.empty()) return {404, "application/json", json{{"error", "no key " + call.key}}.dump(), 0};
      return {200, "application/octet-stream", result.kvs[0].value, result.kvs[0].mod_revision};
    case krpc_call::kind::kv_list: {
      json keys = json::array();
      const std::string prefix = app_kv_key(app, "");
      for (const auto& kv : result.kvs) keys.push_back(kv.key.substr(prefix.size()));
      return {200, "application/json", json{{"keys", keys}, {"more", result.more}}.dump(), response.revision};
    }
    case krpc_call::kind::kv_put: return {200, "application/json", json{{"revision", response.revision}}.dump(), response.revision};
    case krpc_call::kind::kv_delete:
      return {200, "application/json", json{{"deleted", result.deleted}, {"revision", response.revision}}.dump(), response.revision};
    case krpc_call::kind::whoami:
    case krpc_call::kind::file_get:
    case krpc_call::kind::file_put:
    case krpc_call::kind::file_list: break;
  }
  return error_answer(status(status_code::internal, "no answer for this call"));
}

http_answer whoami_answer(const app_identity& identity) {
  return {200, "application/json",
          json{{"app", identity.app}, {"instance", identity.instance}, {"node", identity.node}, {"zone", identity.zone},
               {"expires_unix_s", identity.expires_unix_s}}
              .dump(),
          0};
}

http_answer error_answer(const status& problem) {
  int code = 500;
  switch (problem.code()) {
    case status_code::invalid_argument: code = 400; break;
    case status_code::permission_denied: code = problem.message().starts_with("kRPC identity") || problem.message().starts_with("no identity") ? 401 : 403; break;
    case status_code::not_found: code = 404; break;
    case status_code::unsupported: code = 405; break;
    case status_code::too_large: code = 413; break;
    case status_code::unavailable:
    case status_code::timeout: code = 503; break;
    default: break;
  }
  return {code, "application/json", json{{"error", problem.message()}}.dump(), 0};
}

}  // namespace bucky::krpc
