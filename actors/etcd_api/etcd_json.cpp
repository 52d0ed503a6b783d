#include "actors/etcd_api/etcd_json.hpp"

#include <sodium.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bucky::etcd {

using json = nlohmann::json;

namespace {

status bad(const std::string& what) { return status(status_code::invalid_argument, what); }
status unsupported(const std::string& field, const std::string& why) {
  return status(status_code::unsupported, fmt::format("\"{}\" is not supported: {}", field, why));
}

// Every field of `object` must be one of `known`; those in `refused` are named as
// unsupported (with why), any other as unknown.
status only_fields(const json& object, std::initializer_list<const char*> known, const char* where) {
  static const std::map<std::string, std::string> refused = {
      {"sort_order", "results come sorted by key"},
      {"sort_target", "results come sorted by key"},
      {"min_mod_revision", "filter the answer instead"},
      {"max_mod_revision", "filter the answer instead"},
      {"min_create_revision", "filter the answer instead"},
      {"max_create_revision", "filter the answer instead"},
      {"ignore_value", "send the value"},
      {"ignore_lease", "send the lease"},
      {"request_txn", "nested txns"},
      {"range_end", "compares cover one key"},
      {"lease", "compare on VALUE, VERSION, CREATE or MOD"},
  };
  if (!object.is_object()) return bad(fmt::format("{}: expected a JSON object", where));
  for (const auto& [name, value] : object.items()) {
    if (std::find_if(known.begin(), known.end(), [&](const char* k) { return name == k; }) != known.end()) continue;
    if (auto why = refused.find(name); why != refused.end()) return unsupported(name, why->second);
    return bad(fmt::format("{}: unknown field \"{}\"", where, name));
  }
  return {};
}

// proto3 JSON: a 64-bit integer may come as a number or as a decimal string.
result<std::int64_t> int64_field(const json& object, const char* name) {
  if (!object.contains(name) || object[name].is_null()) return std::int64_t{0};
  const auto& value = object[name];
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    std::size_t used = 0;
    try {
      auto parsed = std::stoll(text, &used);
      if (used == text.size() && !text.empty()) return static_cast<std::int64_t>(parsed);
    } catch (const std::exception&) {
    }
  }
  return bad(fmt::format("\"{}\" must be an integer (a number or a decimal string)", name));
}

result<bool> bool_field(const json& object, const char* name) {
  if (!object.contains(name) || object[name].is_null()) return false;
  if (!object[name].is_boolean()) return bad(fmt::format("\"{}\" must be true or false", name));
  return object[name].get<bool>();
}

result<std::string> bytes_field(const json& object, const char* name) {
  if (!object.contains(name) || object[name].is_null()) return std::string{};
  if (!object[name].is_string()) return bad(fmt::format("\"{}\" must be a base64 string", name));
  return from_base64(object[name].get_ref<const std::string&>(), name);
}

#define TRY_ASSIGN(target, expression)         \
  do {                                         \
    auto try_value = (expression);             \
    if (!try_value) return try_value.error();  \
    target = std::move(*try_value);            \
  } while (0)

result<kv_op> put_op(const json& body) {
  if (auto ok = only_fields(body, {"key", "value", "lease", "prev_kv"}, "put"); !ok.is_ok()) return ok;
  kv_op op;
  op.kind = kv_op_kind::put;
  TRY_ASSIGN(op.key, bytes_field(body, "key"));
  TRY_ASSIGN(op.value, bytes_field(body, "value"));
  TRY_ASSIGN(op.lease, int64_field(body, "lease"));
  TRY_ASSIGN(op.prev_kv, bool_field(body, "prev_kv"));
  if (op.key.empty()) return bad("put: \"key\" is required");
  return op;
}

result<kv_op> range_op_of(const json& body, call* flags) {
  if (auto ok = only_fields(body, {"key", "range_end", "limit", "revision", "serializable", "keys_only", "count_only"},
                            "range");
      !ok.is_ok()) {
    return ok;
  }
  kv_op op;
  op.kind = kv_op_kind::range;
  TRY_ASSIGN(op.key, bytes_field(body, "key"));
  TRY_ASSIGN(op.range_end, bytes_field(body, "range_end"));
  std::int64_t limit = 0, revision = 0;
  TRY_ASSIGN(limit, int64_field(body, "limit"));
  TRY_ASSIGN(revision, int64_field(body, "revision"));
  if (limit < 0 || limit > std::int64_t(kv_limits::range_results_max)) {
    return bad(fmt::format("\"limit\" must be 0..{}", kv_limits::range_results_max));
  }
  op.limit = static_cast<std::uint32_t>(limit);
  if (revision != 0) return unsupported("revision", "reading a past revision; use a watch from that revision");
  bool serializable = false, keys_only = false, count_only = false;
  TRY_ASSIGN(serializable, bool_field(body, "serializable"));
  TRY_ASSIGN(keys_only, bool_field(body, "keys_only"));
  TRY_ASSIGN(count_only, bool_field(body, "count_only"));
  if (flags) *flags = {flags->what, {}, serializable, keys_only, count_only};
  else if (serializable || keys_only || count_only) {
    return unsupported("serializable/keys_only/count_only", "inside a txn (a txn reads as one linearizable step)");
  }
  if (op.key.empty()) return bad("range: \"key\" is required");
  return op;
}

result<kv_op> delete_op(const json& body) {
  if (auto ok = only_fields(body, {"key", "range_end", "prev_kv"}, "deleterange"); !ok.is_ok()) return ok;
  kv_op op;
  op.kind = kv_op_kind::delete_range;
  TRY_ASSIGN(op.key, bytes_field(body, "key"));
  TRY_ASSIGN(op.range_end, bytes_field(body, "range_end"));
  TRY_ASSIGN(op.prev_kv, bool_field(body, "prev_kv"));
  if (op.key.empty()) return bad("deleterange: \"key\" is required");
  return op;
}

result<kv_compare> compare_of(const json& body) {
  if (auto ok = only_fields(body, {"key", "target", "result", "value", "version", "create_revision", "mod_revision"},
                            "compare");
      !ok.is_ok()) {
    return ok;
  }
  kv_compare compare;
  TRY_ASSIGN(compare.key, bytes_field(body, "key"));
  static const std::map<std::string, kv_compare_target> targets = {
      {"VERSION", kv_compare_target::version}, {"CREATE", kv_compare_target::create_revision},
      {"MOD", kv_compare_target::mod_revision}, {"VALUE", kv_compare_target::value}};
  static const std::map<std::string, kv_compare_result> results = {
      {"EQUAL", kv_compare_result::equal}, {"GREATER", kv_compare_result::greater},
      {"LESS", kv_compare_result::less}, {"NOT_EQUAL", kv_compare_result::not_equal}};
  static const std::vector<std::string> target_names = {"VERSION", "CREATE", "MOD", "VALUE", "LEASE"};
  static const std::vector<std::string> result_names = {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"};
  auto enum_name = [](const json& value, const std::vector<std::string>& names) -> std::string {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer() && value.get<std::int64_t>() >= 0 && value.get<std::size_t>() < names.size()) {
      return names[value.get<std::size_t>()];
    }
    return "?";
  };
  auto target = body.contains("target") ? enum_name(body["target"], target_names) : "VERSION";
  auto result_name = body.contains("result") ? enum_name(body["result"], result_names) : "EQUAL";
  if (target == "LEASE") return unsupported("target", "LEASE compares");
  if (!targets.count(target)) return bad("compare: \"target\" must be VERSION, CREATE, MOD or VALUE");
  if (!results.count(result_name)) return bad("compare: \"result\" must be EQUAL, GREATER, LESS or NOT_EQUAL");
  compare.target = targets.at(target);
  compare.result = results.at(result_name);
  switch (compare.target) {
    case kv_compare_target::value: TRY_ASSIGN(compare.value, bytes_field(body, "value")); break;
    case kv_compare_target::version: TRY_ASSIGN(compare.number, int64_field(body, "version")); break;
    case kv_compare_target::create_revision: TRY_ASSIGN(compare.number, int64_field(body, "create_revision")); break;
    case kv_compare_target::mod_revision: TRY_ASSIGN(compare.number, int64_field(body, "mod_revision")); break;
  }
  return compare;
}

result<kv_op> request_op(const json& item) {
  if (auto ok = only_fields(item, {"request_put", "request_range", "request_delete_range"}, "txn op"); !ok.is_ok()) {
    return ok;
  }
  if (item.size() != 1) return bad("a txn op must hold exactly one of request_put, request_range, request_delete_range");
  if (item.contains("request_put")) return put_op(item["request_put"]);
  if (item.contains("request_range")) return range_op_of(item["request_range"], nullptr);
  return delete_op(item["request_delete_range"]);
}

result<kv_request> txn_of(const json& body) {
  if (auto ok = only_fields(body, {"compare", "success", "failure"}, "txn"); !ok.is_ok()) return ok;
  kv_request request;
  for (auto field : {"compare", "success", "failure"}) {
    if (body.contains(field) && !body[field].is_array()) return bad(fmt::format("txn: \"{}\" must be an array", field));
  }
  for (const auto& item : body.value("compare", json::array())) {
    auto compare = compare_of(item);
    if (!compare) return compare.error();
    request.compares.push_back(std::move(*compare));
  }
  for (auto [field, ops] : {std::pair{"success", &request.success}, std::pair{"failure", &request.failure}}) {
    for (const auto& item : body.value(field, json::array())) {
      auto op = request_op(item);
      if (!op) return status(op.error().code(), fmt::format("txn {}: {}", field, op.error().message()));
      ops->push_back(std::move(*op));
    }
  }
  return request;
}

result<kv_op> lease_op(method what, const json& body) {
  kv_op op;
  if (what == method::lease_grant) {
    if (auto ok = only_fields(body, {"TTL", "ID"}, "lease grant"); !ok.is_ok()) return ok;
    op.kind = kv_op_kind::lease_grant;
    TRY_ASSIGN(op.ttl_s, int64_field(body, "TTL"));
    TRY_ASSIGN(op.lease, int64_field(body, "ID"));
    if (op.ttl_s < 1 || op.ttl_s > lease_ttl_s_max) return bad(fmt::format("\"TTL\" must be 1..{} seconds", lease_ttl_s_max));
    return op;
  }
  if (auto ok = only_fields(body, {"ID"}, "lease"); !ok.is_ok()) return ok;
  op.kind = what == method::lease_revoke ? kv_op_kind::lease_revoke : kv_op_kind::lease_keepalive;
  TRY_ASSIGN(op.lease, int64_field(body, "ID"));
  if (op.lease <= 0) return bad("\"ID\" must name a lease (a positive integer)");
  return op;
}

std::string number(std::int64_t value) { return std::to_string(value); }

json kv_json(const key_value& kv, bool keys_only) {
  json out = {{"key", to_base64(kv.key)}};
  if (kv.create_revision) out["create_revision"] = number(kv.create_revision);
  if (kv.mod_revision) out["mod_revision"] = number(kv.mod_revision);
  if (kv.version) out["version"] = number(kv.version);
  if (!keys_only && !kv.value.empty()) out["value"] = to_base64(kv.value);
  if (kv.lease) out["lease"] = number(kv.lease);
  return out;
}

json header_json(const header& h) {
  return {{"cluster_id", std::to_string(h.cluster_id)}, {"member_id", std::to_string(h.member_id)},
          {"revision", number(h.revision)}, {"raft_term", std::to_string(h.raft_term)}};
}

json op_result_json(const kv_op_result& result, const call& asked, const header& h) {
  json out = {{"header", header_json(h)}};
  switch (result.kind) {
    case kv_op_kind::range: {
      if (!asked.count_only) {
        json kvs = json::array();
        for (const auto& kv : result.kvs) kvs.push_back(kv_json(kv, asked.keys_only));
        if (!kvs.empty()) out["kvs"] = kvs;
      }
      if (result.more) out["more"] = true;
      if (result.count) out["count"] = number(result.count);
      break;
    }
    case kv_op_kind::put:
      if (!result.kvs.empty()) out["prev_kv"] = kv_json(result.kvs[0], false);
      break;
    case kv_op_kind::delete_range: {
      if (result.deleted) out["deleted"] = number(result.deleted);
      json kvs = json::array();
      for (const auto& kv : result.kvs) kvs.push_back(kv_json(kv, false));
      if (!kvs.empty()) out["prev_kvs"] = kvs;
      break;
    }
    default: break;
  }
  return out;
}

}  // namespace

result<method> method_of(std::string_view path) {
  static const std::map<std::string_view, method> paths = {
      {"/v3/kv/put", method::put},
      {"/v3/kv/range", method::range},
      {"/v3/kv/deleterange", method::delete_range},
      {"/v3/kv/txn", method::txn},
      {"/v3/lease/grant", method::lease_grant},
      {"/v3/lease/revoke", method::lease_revoke},
      {"/v3/kv/lease/revoke", method::lease_revoke},
      {"/v3/lease/keepalive", method::lease_keepalive},
  };
  auto found = paths.find(path);
  if (found == paths.end()) return status(status_code::not_found, fmt::format("no endpoint {}", path.substr(0, 100)));
  return found->second;
}

result<call> parse_call(method what, std::string_view text) {
  auto body = json::parse(text.empty() ? std::string_view("{}") : text, nullptr, false);
  if (body.is_discarded()) return bad("the body is not JSON");
  call out;
  out.what = what;
  switch (what) {
    case method::put: {
      auto op = put_op(body);
      if (!op) return op.error();
      out.request.success.push_back(std::move(*op));
      break;
    }
    case method::range: {
      auto op = range_op_of(body, &out);
      if (!op) return op.error();
      out.request.success.push_back(std::move(*op));
      break;
    }
    case method::delete_range: {
      auto op = delete_op(body);
      if (!op) return op.error();
      out.request.success.push_back(std::move(*op));
      break;
    }
    case method::txn: {
      auto request = txn_of(body);
      if (!request) return request.error();
      out.request = std::move(*request);
      break;
    }
    default: {
      auto op = lease_op(what, body);
      if (!op) return op.error();
      out.request.success.push_back(std::move(*op));
    }
  }
  if (auto valid = validate(out.request); !valid.is_ok()) return valid;
  return out;
}

std::string render_answer(const call& asked, const kv_response& answer, const header& h) {
  json out = {{"header", header_json(h)}};
  const kv_op_result empty;
  const auto& first = answer.results.empty() ? empty : answer.results[0];
  switch (asked.what) {
    case method::put:
    case method::range:
    case method::delete_range: out = op_result_json(first, asked, h); break;
    case method::txn: {
      if (answer.succeeded) out["succeeded"] = true;
      json responses = json::array();
      for (const auto& result : answer.results) {
        const char* name = result.kind == kv_op_kind::put     ? "response_put"
                           : result.kind == kv_op_kind::range ? "response_range"
                                                              : "response_delete_range";
        responses.push_back({{name, op_result_json(result, asked, h)}});
      }
      if (!responses.empty()) out["responses"] = responses;
      break;
    }
    case method::lease_grant:
      out["ID"] = number(first.lease);
      out["TTL"] = number(first.ttl_s);
      break;
    case method::lease_revoke: break;
    case method::lease_keepalive:
      out["ID"] = number(first.lease);
      out["TTL"] = number(first.ttl_s);
      out = json{{"result", out}};
      break;
  }
  return out.dump();
}

result<kv_watch_request> parse_watch(std::string_view text) {
  auto body = json::parse(text, nullptr, false);
  if (body.is_discarded()) return bad("the body is not JSON");
  if (auto ok = only_fields(body, {"create_request"}, "watch"); !ok.is_ok()) return ok;
  if (!body.contains("create_request")) return bad("watch: \"create_request\" is required");
  const auto& create = body["create_request"];
  if (auto ok = only_fields(create, {"key", "range_end", "start_revision"}, "create_request"); !ok.is_ok()) return ok;
  kv_watch_request request;
  TRY_ASSIGN(request.key, bytes_field(create, "key"));
  TRY_ASSIGN(request.range_end, bytes_field(create, "range_end"));
  TRY_ASSIGN(request.start_revision, int64_field(create, "start_revision"));
  if (request.key.empty()) return bad("create_request: \"key\" is required");
  if (request.start_revision < 0) return bad("create_request: \"start_revision\" must be 0 or more");
  if (auto valid = validate(request); !valid.is_ok()) return valid;
  return request;
}

std::string render_watch_created(const header& h) {
  return json{{"result", {{"header", header_json(h)}, {"created", true}}}}.dump();
}

std::string render_watch_events(const header& h, const std::vector<kv_event>& events) {
  json list = json::array();
  for (const auto& event : events) {
    json item = {{"kv", kv_json(event.kv, false)}};
    if (event.kind == kv_event_kind::remove) item["type"] = "DELETE";
    list.push_back(item);
  }
  return json{{"result", {{"header", header_json(h)}, {"events", list}}}}.dump();
}

std::string render_watch_canceled(const header& h, const std::string& reason) {
  return json{{"result", {{"header", header_json(h)}, {"canceled", true}, {"cancel_reason", reason}}}}.dump();
}

error_body error_of(const status& problem) {
  switch (problem.code()) {
    case status_code::invalid_argument: return {400, 3, problem.message()};
    case status_code::too_large: return {413, 3, problem.message()};
    case status_code::unsupported: return {400, 12, problem.message()};
    case status_code::no_space: return {507, 8, problem.message()};
    case status_code::not_found: return {404, 5, problem.message()};
    case status_code::already_exists: return {409, 6, problem.message()};
    case status_code::permission_denied: return {403, 7, problem.message()};
    case status_code::unavailable: return {503, 14, problem.message()};
    case status_code::timeout: return {504, 4, problem.message()};
    default: return {500, 13, problem.message()};
  }
}

std::string render_error(const error_body& error) {
  return json{{"error", error.message}, {"code", error.grpc_code}, {"message", error.message}}.dump();
}

std::string to_base64(std::string_view bytes) {
  constexpr int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    variant);
  text.resize(text.size() - 1);  // the terminating NUL
  return text;
}

result<std::string> from_base64(std::string_view text, const char* field) {
  std::string bytes(text.size() * 3 / 4 + 3, '\0');
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                      sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    std::size_t length = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(), text.size(),
                          nullptr, &length, nullptr, variant) == 0) {
      bytes.resize(length);
      return bytes;
    }
  }
  return status(status_code::invalid_argument, fmt::format("\"{}\" is not valid base64", field));
}

}  // namespace bucky::etcd
