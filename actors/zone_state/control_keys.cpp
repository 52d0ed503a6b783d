#include "actors/zone_state/control_keys.hpp"

#include <fmt/format.h>

#include "actors/zone_state/kv_machine.hpp"

namespace bucky {

namespace {

// [key, end) with end "" meaning just `key` and "\0" meaning no end.
struct key_range {
  std::string from;
  std::string end;
  bool unbounded = false;
};

key_range as_range(const std::string& key, const std::string& range_end) {
  if (range_end.empty()) return {key, key + std::string(1, '\0'), false};
  if (range_end == std::string(1, '\0')) return {key, "", true};
  return {key, range_end, false};
}

bool overlaps(const key_range& range, const std::string& prefix) {
  auto prefix_end = prefix_range_end(prefix);
  return range.from < prefix_end && (range.unbounded || prefix < range.end);
}

bool inside(const key_range& range, const std::string& prefix) {
  return !range.unbounded && range.from.starts_with(prefix) && range.end <= prefix_range_end(prefix);
}

bool is_person(const caller& who) {
  return who.role == caller::kind::admin || who.role == caller::kind::writer || who.role == caller::kind::reader;
}

// `range` is exactly the caller's own key under `prefix`.
bool own_key(const key_range& range, const std::string& prefix, const caller& who) {
  return is_person(who) && range.from == prefix + who.name && range.end == range.from + std::string(1, '\0');
}

bool may_write(control_writer writer, const caller& who, const key_range& range, const std::string& prefix) {
  switch (writer) {
    case control_writer::owner_or_self: return who.role == caller::kind::owner || own_key(range, prefix, who);
    case control_writer::owner: return who.role == caller::kind::owner;
    case control_writer::owner_or_admin: return is_owner_or_admin(who);
    case control_writer::acl: return true;
  }
  return false;
}

const char* writer_name(control_writer writer) {
  switch (writer) {
    case control_writer::owner: return "only the owner";
    case control_writer::owner_or_admin: return "only the owner and admins";
    case control_writer::acl: return "as /system/acl says";
    case control_writer::owner_or_self: return "by the owner, and by each person their own";
  }
  return "?";
}

std::string shown(const std::string& key) {
  std::string out;
  for (char c : key.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", c & 0xff);
  return out.empty() ? "\"\"" : out;
}

}  // namespace

status check_control_write(const caller& who, const std::string& key, const std::string& range_end,
                           bool deleting_range) {
  auto range = as_range(key, range_end);
  for (const auto& control : control_prefixes) {
    if (!overlaps(range, control.prefix)) continue;
    if (deleting_range && !range_end.empty() && !inside(range, control.prefix)) {
      return status(status_code::permission_denied,
                    fmt::format("{} {}: a delete from {} to {} would also delete {} under {}: the zone's control "
                                "keys are deleted only by a range inside one of their prefixes (e.g. --prefix "
                                "/services/<name>/) or by the bucky commands that own them",
                                role_name(who.role), who.name, shown(key),
                                range.unbounded ? "the last key" : shown(range_end), control.holds, control.prefix));
    }
    if (!may_write(control.writer, who, range, control.prefix)) {
      return status(status_code::permission_denied,
                    fmt::format("{} {} may not write {}: {} (under {}) are written {}", role_name(who.role), who.name,
                                shown(key), control.holds, control.prefix, writer_name(control.writer)));
    }
  }
  return {};
}

status check_control_read(const caller& who, const std::string& key, const std::string& range_end) {
  auto range = as_range(key, range_end);
  if (!overlaps(range, logins_prefix)) return {};
  if (is_owner_or_admin(who) || who.role == caller::kind::node) return {};
  if (own_key(range, logins_prefix, who)) return {};
  return status(status_code::permission_denied,
                fmt::format("{} {} may not read {}{}: password-sealed keys under {} are read only by the owner, "
                            "admins and nodes (each person may read {}<their name>); read a range that leaves {} out",
                            role_name(who.role), who.name, shown(key), range_end.empty() ? "" : " and what follows",
                            logins_prefix, logins_prefix, logins_prefix));
}

}  // namespace bucky
