#include "actors/packages/manifest.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/zone_fs/fs_access.hpp"

namespace bucky::packages {

namespace {

using json = nlohmann::json;
using limits = manifest_limits;

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A DNS label's shape: lowercase letters, digits and inner hyphens, a letter first.
bool label_shaped(std::string_view text, std::size_t bytes_max) {
  if (text.empty() || text.size() > bytes_max || text.front() < 'a' || text.front() > 'z') return false;
  if (text.back() == '-') return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return lower_alnum(c) || c == '-'; });
}

// A semantic version's numeric part: digits, no leading zero, at most 9 of them.
bool version_number(std::string_view text) {
  if (text.empty() || text.size() > 9 || (text.size() > 1 && text.front() == '0')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::uint32_t number_of(std::string_view text) {
  std::uint32_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

struct version_parts {
  std::uint32_t major = 0, minor = 0, patch = 0;
  std::string prerelease;  // empty: a release
};

std::optional<version_parts> split_version(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  version_parts out;
  const std::size_t dash = text.find('-');
  const std::string_view core = text.substr(0, dash);
  if (dash != std::string_view::npos) {
    out.prerelease = std::string(text.substr(dash + 1));
    if (out.prerelease.empty()) return std::nullopt;
    for (char c : out.prerelease) {
      if (!lower_alnum(c) && !(c >= 'A' && c <= 'Z') && c != '.' && c != '-') return std::nullopt;
    }
  }
  const std::size_t first = core.find('.');
  const std::size_t second = first == std::string_view::npos ? first : core.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const std::string_view parts[3] = {core.substr(0, first), core.substr(first + 1, second - first - 1),
                                     core.substr(second + 1)};
  for (auto part : parts) {
    if (!version_number(part)) return std::nullopt;
  }
  out.major = number_of(parts[0]);
  out.minor = number_of(parts[1]);
  out.patch = number_of(parts[2]);
  return out;
}

// Reads one manifest: every refusal names `where` and the field.
class reader {
 public:
  explicit reader(std::string_view where) : where_(where) {}

  status refuse(std::string_view field, std::string_view why) const {
    return status(status_code::invalid_argument, fmt::format("{}: field \"{}\": {}", where_, field, why));
  }

  status only_fields(const json& object, std::string_view field, std::initializer_list<std::string_view> known) const {
    for (const auto& [key, value] : object.items()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      return refuse(field.empty() ? key : fmt::format("{}.{}", field, key),
                    fmt::format("not a field of manifest format {} (known: {})", manifest_format, fmt::join(known, ", ")));
    }
    return {};
  }

  result<std::string> text(const json& object, std::string_view field, std::size_t bytes_max, bool required) const {
    if (!object.contains(field)) {
      if (required) return refuse(field, "missing");
      return std::string();
    }
    const json& value = object.at(std::string(field));
    if (!value.is_string()) return refuse(field, "must be a string");
    auto out = value.get<std::string>();
    if (out.size() > bytes_max) return refuse(field, fmt::format("{} bytes; at most {}", out.size(), bytes_max));
    return out;
  }

  result<std::int64_t> integer(const json& value, std::string_view field, std::int64_t min, std::int64_t max) const {
    if (!value.is_number_integer()) return refuse(field, "must be a whole number");
    const auto out = value.get<std::int64_t>();
    if (out < min || out > max) return refuse(field, fmt::format("{} is outside {}..{}", out, min, max));
    return out;
  }

  result<const json*> array(const json& object, std::string_view field, std::size_t items_max) const {
    static const json empty = json::array();
    if (!object.contains(field)) return &empty;
    const json& value = object.at(std::string(field));
    if (!value.is_array()) return refuse(field, "must be a list");
    if (value.size() > items_max) return refuse(field, fmt::format("{} items; at most {}", value.size(), items_max));
    return &value;
  }

 private:
  std::string where_;
};

result<std::vector<std::string>> read_command(const reader& in, const json& object) {
  if (!object.contains("command")) return in.refuse("command", "missing: the program to run, a path inside the package");
  auto items = in.array(object, "command", limits::command_items_max);
  if (!items) return items.error();
  if ((*items)->empty()) return in.refuse("command", "empty: the first item is the program to run");
  std::vector<std::string> out;
  for (const auto& item : **items) {
    if (!item.is_string()) return in.refuse("command", "every item must be a string");
    out.push_back(item.get<std::string>());
    if (out.back().size() > limits::command_item_bytes_max || out.back().find('\0') != std::string::npos) {
      return in.refuse("command", fmt::format("an item over {} bytes or with a NUL byte", limits::command_item_bytes_max));
    }
  }
  const std::string& program = out.front();
  bool escapes = program.empty() || program.front() == '/' || program.size() > limits::path_bytes_max;
  for (std::size_t at = 0; !escapes && at <= program.size();) {
    const std::size_t slash = std::min(program.find('/', at), program.size());
    const std::string_view part(program.data() + at, slash - at);
    escapes = part.empty() || part == "." || part == "..";
    at = slash + 1;
  }
  if (escapes) {
    return in.refuse("command", fmt::format("\"{}\" is not a path inside the package (relative, no \".\", \"..\" "
                                            "or empty parts, e.g. \"bin/notes\")",
                                            program));
  }
  return out;
}

result<std::vector<http_port>> read_ports(const reader& in, const json& object) {
  auto items = in.array(object, "ports", limits::ports_max);
  if (!items) return items.error();
  std::vector<http_port> out;
  std::set<std::string> names;
  std::set<std::uint32_t> numbers;
  for (const auto& item : **items) {
    if (!item.is_object()) return in.refuse("ports", "every item must be an object {\"name\", \"port\", \"public\"}");
    if (auto known = in.only_fields(item, "ports[]", {"name", "port", "public"}); !known.is_ok()) return known;
    http_port port;
    auto name = in.text(item, "name", limits::port_name_bytes_max, true);
    if (!name) return name.error();
    if (!label_shaped(*name, limits::port_name_bytes_max)) {
      return in.refuse("ports[].name", fmt::format("\"{}\" must be lowercase letters, digits and inner hyphens", *name));
    }
    port.name = *name;
    if (!item.contains("port")) return in.refuse("ports[].port", "missing");
    auto number = in.integer(item.at("port"), "ports[].port", limits::port_min, 65535);
    if (!number) return number.error();
    port.port = static_cast<std::uint32_t>(*number);
    if (item.contains("public")) {
      if (!item.at("public").is_boolean()) return in.refuse("ports[].public", "must be true or false");
      port.open_to_all = item.at("public").get<bool>();
    }
    if (!names.insert(port.name).second) return in.refuse("ports[].name", fmt::format("\"{}\" twice", port.name));
    if (!numbers.insert(port.port).second) return in.refuse("ports[].port", fmt::format("{} twice", port.port));
    out.push_back(std::move(port));
  }
  return out;
}

result<app_permissions> read_permissions(const reader& in, const json& object) {
  app_permissions out;
  if (!object.contains("permissions")) return out;
  const json& asked = object.at("permissions");
  if (!asked.is_object()) return in.refuse("permissions", "must be an object {\"folders\", \"network\", \"services\"}");
  if (auto known = in.only_fields(asked, "permissions", {"folders", "network", "services"}); !known.is_ok()) return known;
  auto folders = in.array(asked, "folders", limits::folders_max);
  if (!folders) return folders.error();
  for (const auto& item : **folders) {
    if (!item.is_object()) return in.refuse("permissions.folders", "every item must be {\"path\", \"access\"}");
    if (auto known = in.only_fields(item, "permissions.folders[]", {"path", "access"}); !known.is_ok()) return known;
    auto path = in.text(item, "path", limits::path_bytes_max, true);
    if (!path) return path.error();
    auto normal = zone_fs::normalize_path(*path);
    if (path->empty() || path->front() != '/' || !normal) {
      return in.refuse("permissions.folders[].path",
                       fmt::format("\"{}\" must be an absolute zone path without \"..\" (e.g. \"/photos\")", *path));
    }
    auto access = in.text(item, "access", 8, true);
    if (!access) return access.error();
    if (*access != "read" && *access != "write") {
      return in.refuse("permissions.folders[].access", fmt::format("\"{}\": \"read\" or \"write\"", *access));
    }
    out.folders.push_back({*normal, *access == "read" ? folder_access::read : folder_access::write});
  }
  if (asked.contains("network")) {
    if (!asked.at("network").is_boolean()) return in.refuse("permissions.network", "must be true or false");
    out.network = asked.at("network").get<bool>();
  }
  auto services = in.array(asked, "services", limits::services_max);
  if (!services) return services.error();
  for (const auto& item : **services) {
    if (!item.is_string() || !label_shaped(item.get<std::string>(), limits::name_bytes_max)) {
      return in.refuse("permissions.services", "every item must be an app name (lowercase letters, digits, hyphens)");
    }
    out.services.push_back(item.get<std::string>());
  }
  return out;
}

result<app_manifest> read_manifest(const reader& in, const json& object) {
  if (!object.is_object()) return in.refuse("", "app.json must hold one JSON object");
  if (auto known = in.only_fields(object, "", {"format", "name", "version", "description", "publisher", "command",
                                               "memory_mb", "ports", "permissions"});
      !known.is_ok()) {
    return known;
  }
  if (!object.contains("format")) return in.refuse("format", fmt::format("missing (this node reads format {})", manifest_format));
  if (auto format = in.integer(object.at("format"), "format", manifest_format, manifest_format); !format) {
    return in.refuse("format", fmt::format("this node reads manifest format {} only: a newer bucky may read it", manifest_format));
  }
  app_manifest out;
  auto name = in.text(object, "name", limits::name_bytes_max, true);
  if (!name) return name.error();
  if (status valid = check_app_name(*name); !valid.is_ok()) return in.refuse("name", valid.message());
  out.name = *name;
  auto version = in.text(object, "version", 64, true);
  if (!version) return version.error();
  if (status valid = check_version(*version); !valid.is_ok()) return in.refuse("version", valid.message());
  out.version = *version;
  auto description = in.text(object, "description", limits::description_bytes_max, false);
  if (!description) return description.error();
  out.description = *description;
  auto publisher = in.text(object, "publisher", 128, true);
  if (!publisher) return publisher.error();
  auto key = net::public_key::from_text(*publisher);
  if (!key) return in.refuse("publisher", "not an Ed25519 public key (32 bytes in base64url: the publisher's key)");
  out.publisher = *key;
  auto command = read_command(in, object);
  if (!command) return command.error();
  out.command = std::move(*command);
  if (object.contains("memory_mb")) {
    auto memory = in.integer(object.at("memory_mb"), "memory_mb", limits::memory_mb_min, limits::memory_mb_max);
    if (!memory) return memory.error();
    out.memory_mb = static_cast<std::uint32_t>(*memory);
  }
  auto ports = read_ports(in, object);
  if (!ports) return ports.error();
  out.ports = std::move(*ports);
  auto permissions = read_permissions(in, object);
  if (!permissions) return permissions.error();
  out.permissions = std::move(*permissions);
  return out;
}

}  // namespace

status check_app_name(std::string_view name) {
  if (label_shaped(name, limits::name_bytes_max)) return {};
  return status(status_code::invalid_argument,
                fmt::format("\"{}\" is not an app name: 1-{} lowercase letters, digits and inner hyphens, a letter "
                            "first (it becomes a host name: <app>.<zone>)",
                            name, limits::name_bytes_max));
}

status check_version(std::string_view version) {
  if (split_version(version)) return {};
  return status(status_code::invalid_argument,
                fmt::format("\"{}\" is not a version: MAJOR.MINOR.PATCH with an optional -PRERELEASE (\"1.2.0\", "
                            "\"2.0.0-beta.1\")",
                            version));
}

int compare_versions(std::string_view a, std::string_view b) {
  const auto left = split_version(a), right = split_version(b);
  BUCKY_CHECK(left && right);
  const auto key = [](const version_parts& v) { return std::tuple(v.major, v.minor, v.patch); };
  if (key(*left) != key(*right)) return key(*left) < key(*right) ? -1 : 1;
  // A release is newer than its prereleases; prereleases compare as text.
  if (left->prerelease == right->prerelease) return 0;
  if (left->prerelease.empty()) return 1;
  if (right->prerelease.empty()) return -1;
  return left->prerelease < right->prerelease ? -1 : 1;
}

result<app_manifest> parse_manifest(std::string_view text, std::string_view where) {
  if (text.size() > limits::text_bytes_max) {
    return status(status_code::too_large,
                  fmt::format("{}: {} bytes; an app.json holds at most {}", where, text.size(), limits::text_bytes_max));
  }
  // Depth is bounded by the shape checks; the parser itself sees at most 64 KiB.
  json object = json::parse(text, nullptr, false);
  if (object.is_discarded()) {
    return status(status_code::invalid_argument, fmt::format("{}: not valid JSON", where));
  }
  return read_manifest(reader(where), object);
}

std::string manifest_json(const app_manifest& manifest) {
  json ports = json::array();
  for (const auto& port : manifest.ports) {
    ports.push_back({{"name", port.name}, {"port", port.port}, {"public", port.open_to_all}});
  }
  json folders = json::array();
  for (const auto& folder : manifest.permissions.folders) {
    folders.push_back({{"path", folder.path}, {"access", folder.access == folder_access::read ? "read" : "write"}});
  }
  json out = {{"format", manifest_format},
              {"name", manifest.name},
              {"version", manifest.version},
              {"description", manifest.description},
              {"publisher", manifest.publisher.to_text()},
              {"command", manifest.command},
              {"memory_mb", manifest.memory_mb},
              {"ports", ports},
              {"permissions",
               {{"folders", folders}, {"network", manifest.permissions.network}, {"services", manifest.permissions.services}}}};
  return out.dump(2);
}

}  // namespace bucky::packages
