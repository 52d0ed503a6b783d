#include "actors/zone_state/acl.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/zone_state/control_keys.hpp"
#include "actors/zone_state/kv_machine.hpp"

namespace bucky {

namespace {


bool rule_applies(const acl_rule& rule, const caller& who) {
  if (who.role == caller::kind::guest) return false;
  if (rule.who == "*") return true;
  std::string role = role_name(who.role);
  return rule.who == role || rule.who == role + ":" + who.name;
}

// Does every key that starts with `prefix` start with something `pattern` matches?
// ("{self}" already replaced; "*" matches one segment, which `prefix` must finish.)
bool covers(std::string_view pattern, std::string_view prefix) {
  std::size_t p = 0, k = 0;
  while (p < pattern.size()) {
    if (pattern[p] == '*') {
      auto slash = prefix.find('/', k);
      if (slash == std::string_view::npos) return false;  // the segment is not finished
      if (slash == k) return false;                       // "*" matches one or more characters
      k = slash;
      ++p;
      continue;
    }
    if (k >= prefix.size() || prefix[k] != pattern[p]) return false;
    ++p;
    ++k;
  }
  return true;
}

std::string substitute_self(const std::string& prefix, const std::string& name) {
  std::string out = prefix;
  for (auto at = out.find("{self}"); at != std::string::npos; at = out.find("{self}", at + name.size())) {
    out.replace(at, 6, name);
  }
  return out;
}

// The prefix every key of [key, range_end) shares.
std::string shared_prefix(const std::string& key, const std::string& range_end) {
  if (range_end.empty() || range_end == prefix_range_end(key)) return key;
  if (range_end == std::string(1, '\0')) return "";
  std::size_t n = 0;
  while (n < key.size() && n < range_end.size() && key[n] == range_end[n]) ++n;
  return key.substr(0, n);
}

status allowed(const acl_config& acl, const caller& who, const std::string& prefix, bool write) {
  if (who.role == caller::kind::owner) return {};
  for (const auto& rule : acl.rules) {
    if ((write && !rule.write) || !rule_applies(rule, who)) continue;
    if (covers(substitute_self(rule.prefix, who.name), prefix)) return {};
  }
  return status(status_code::permission_denied,
                fmt::format("{} {} may not {} '{}' (acl_config at {}; the owner can grant it)", role_name(who.role),
                            who.name, write ? "write" : "read", prefix.substr(0, 128), acl_key));
}

status check_op(const acl_config& acl, const caller& who, const kv_op& op) {
  switch (op.kind) {
    case kv_op_kind::range: {
      if (auto reserved = check_control_read(who, op.key, op.range_end); !reserved.is_ok()) return reserved;
      return allowed(acl, who, shared_prefix(op.key, op.range_end), false);
    }
    case kv_op_kind::put: {
      if (auto reserved = check_control_write(who, op.key, "", false); !reserved.is_ok()) return reserved;
      return allowed(acl, who, op.key, true);
    }
    case kv_op_kind::delete_range: {
      if (auto reserved = check_control_write(who, op.key, op.range_end, true); !reserved.is_ok()) return reserved;
      return allowed(acl, who, shared_prefix(op.key, op.range_end), true);
    }
    case kv_op_kind::lease_grant:
    case kv_op_kind::lease_revoke:
    case kv_op_kind::lease_keepalive: {
      if (who.role == caller::kind::owner) return {};
      for (const auto& rule : acl.rules) {
        // Writing one's own password-sealed key is no right to hold leases.
        if (rule.write && rule_applies(rule, who) && !rule.prefix.starts_with(logins_prefix)) return {};
      }
      return status(status_code::permission_denied,
                    fmt::format("{} {} may not use leases: it may write nothing (acl_config at {})",
                                role_name(who.role), who.name, acl_key));
    }
  }
  return status(status_code::invalid_argument, "unknown operation");
}

}  // namespace

acl_config default_acl() {
  return {{{"admin", "", true},
           {"node", "", false},
           {"node", "/nodes/{self}/", true},
           {"node", "/nodes/*/config", true},
           {"node", "/scheduler/", true},
           {"node", "/fs/", true},
           {"reader", "", false},
           {"writer", "", false},
           {"writer", "/home/{self}/", true},
           {"writer", "/logins/{self}", true},
           {"reader", "/logins/{self}", true},
           {"app", "/app-data/{self}/", true}}};
}

result<acl_config> parse_acl(std::string_view json_text) {
  auto bad = [](std::string what) { return status(status_code::invalid_argument, "acl_config: " + what); };
  auto json = nlohmann::json::parse(json_text, nullptr, false);
  if (json.is_discarded()) return bad("not JSON");
  if (!json.is_object() || !json.contains("rules") || !json["rules"].is_array()) {
    return bad(R"(expected {"rules": [{"who": ..., "prefix": ..., "access": "read"|"write"}, ...]})");
  }
  if (json["rules"].size() > acl_rules_max) return bad(fmt::format("more than {} rules", acl_rules_max));
  acl_config acl;
  std::size_t index = 0;
  for (const auto& rule : json["rules"]) {
    auto where = fmt::format("rule {}", index++);
    if (!rule.is_object()) return bad(where + " is not an object");
    for (auto field : {"who", "prefix", "access"}) {
      if (!rule.contains(field) || !rule[field].is_string()) return bad(fmt::format("{}: \"{}\" must be a string", where, field));
    }
    acl_rule parsed{rule["who"], rule["prefix"], false};
    auto access = rule["access"].get<std::string>();
    if (access != "read" && access != "write") return bad(where + ": \"access\" must be \"read\" or \"write\"");
    parsed.write = access == "write";
    auto colon = parsed.who.find(':');
    auto role = parsed.who.substr(0, colon);
    if (parsed.who != "*" && role != "admin" && role != "node" && role != "reader" && role != "writer" && role != "app") {
      return bad(where + ": \"who\" must be \"admin\", \"writer\", \"reader\", \"node\", \"app\" (each alone or "
                         "with \":<name>\") or \"*\"");
    }
    if (parsed.prefix.size() > kv_limits::key_bytes_max) return bad(where + ": \"prefix\" is longer than a key");
    acl.rules.push_back(std::move(parsed));
  }
  return acl;
}

std::string acl_to_json(const acl_config& acl) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& rule : acl.rules) {
    rules.push_back({{"who", rule.who}, {"prefix", rule.prefix}, {"access", rule.write ? "write" : "read"}});
  }
  return nlohmann::json{{"rules", rules}}.dump();
}

status check_access(const acl_config& acl, const caller& who, const kv_request& request) {
  for (const auto& compare : request.compares) {
    if (auto reserved = check_control_read(who, compare.key, ""); !reserved.is_ok()) return reserved;
    if (auto ok = allowed(acl, who, compare.key, false); !ok.is_ok()) return ok;
  }
  for (const auto* ops : {&request.success, &request.failure}) {
    for (const auto& op : *ops) {
      if (auto ok = check_op(acl, who, op); !ok.is_ok()) return ok;
    }
  }
  return {};
}

status check_node_action(const caller& who, node_action action) {
  if (is_owner_or_admin(who)) return {};
  const char* what = "?";
  switch (action) {
    case node_action::restart_actor: what = "restart actors"; break;
    case node_action::step_down: what = "make the zone-state leader step down"; break;
    case node_action::read_log: what = "read a node's log"; break;
    case node_action::inject_fault: what = "inject faults"; break;
  }
  return status(status_code::permission_denied,
                fmt::format("{} {} may not {}: only the owner or an admin may", role_name(who.role), who.name, what));
}

status check_access(const acl_config& acl, const caller& who, const kv_watch_request& request) {
  if (auto reserved = check_control_read(who, request.key, request.range_end); !reserved.is_ok()) return reserved;
  return allowed(acl, who, shared_prefix(request.key, request.range_end), false);
}

}  // namespace bucky
