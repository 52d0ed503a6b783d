#include "actors/packages/app_record.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/packages/package_file.hpp"
#include "actors/zone_state/json_fields.hpp"
#include "actors/zone_state/service_json.hpp"

namespace bucky::packages {

namespace {

using json = nlohmann::json;
namespace lim = service_limits_max;

constexpr std::size_t document_bytes_max = 64 * 1024;

result<json> parse_object(std::string_view text, const char* what) {
  if (text.size() > document_bytes_max) return status(status_code::too_large, fmt::format("{}: over {} bytes", what, document_bytes_max));
  auto object = json::parse(text, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return status(status_code::invalid_argument, fmt::format("{}: not a JSON object", what));
  return object;
}

json grants_json(const app_grants& grants) {
  json folders = json::array();
  for (const auto& folder : grants.folders) folders.push_back({{"path", folder.path}, {"writable", folder.writable}});
  return {{"folders", folders}, {"network", grants.network}, {"services", grants.services}};
}

status read_grants(const json& object, const std::string& where, app_grants& out) {
  json_fields f(object, where);
  f.get("network", out.network);
  f.get("services", out.services);
  f.known("folders");
  f.no_others();
  if (!f.ok()) return f.error();
  if (!object.contains("folders")) return {};
  if (!object["folders"].is_array() || object["folders"].size() > lim::app_folders_max) {
    return status(status_code::invalid_argument, fmt::format("{}: \"folders\" must be a list of at most {}", where, lim::app_folders_max));
  }
  for (const auto& item : object["folders"]) {
    json_fields one(item, where + ": a folder");
    folder_grant grant;
    one.get("path", grant.path, true);
    one.get("writable", grant.writable);
    one.no_others();
    if (!one.ok()) return one.error();
    out.folders.push_back(std::move(grant));
  }
  if (out.services.size() > lim::app_services_max) return status(status_code::invalid_argument, where + ": too many services");
  return {};
}

json version_json(const installed_version& version) {
  return {{"version", version.version}, {"content_id", version.content_id}, {"grants", grants_json(version.grants)}};
}

status read_version(const json& object, const std::string& where, installed_version& out) {
  json_fields f(object, where);
  f.get("version", out.version, true);
  f.get("content_id", out.content_id, true);
  f.known("grants");
  f.no_others();
  if (!f.ok()) return f.error();
  if (auto valid = check_version(out.version); !valid.is_ok()) return status(status_code::invalid_argument, where + ": " + valid.message());
  if (auto valid = check_content_id(out.content_id); !valid.is_ok()) return status(status_code::invalid_argument, where + ": " + valid.message());
  if (object.contains("grants")) return read_grants(object["grants"], where + ": \"grants\"", out.grants);
  return {};
}

}  // namespace

namespace app_keys {
std::string record(const std::string& name) { return apps_prefix + name; }
std::string uid(std::uint32_t uid) { return uids_prefix + std::to_string(uid); }
std::string repo_entry(const std::string& name, const std::string& version) { return fmt::format("{}{}/{}", repo_prefix, name, version); }
std::string source(const std::string& name) { return sources_prefix + name; }
std::string public_flag(const std::string& name) { return public_prefix + name; }
std::string package_file(const std::string& content_id) {
  return fmt::format("{}/{}{}", packages_dir, content_id.substr(std::string_view(content_id_prefix).size()), package_extension);
}
}  // namespace app_keys

result<app_record> parse_app_record(std::string_view text) {
  auto object = parse_object(text, "app record");
  if (!object) return object.error();
  app_record out;
  json_fields f(*object, "app record");
  f.get("name", out.name, true);
  f.get("publisher", out.publisher, true);
  f.get("uid", out.uid, true);
  f.get("installed_by", out.installed_by);
  f.get("changed_unix_s", out.changed_unix_s);
  f.get("nodes", out.nodes);
  f.get("stopped", out.stopped);
  f.known("current");
  f.known("previous");
  f.no_others();
  if (!f.ok()) return f.error();
  if (auto valid = check_app_name(out.name); !valid.is_ok()) return status(status_code::invalid_argument, "app record: " + valid.message());
  if (out.uid < lim::app_uid_min || out.uid > lim::app_uid_max) return status(status_code::invalid_argument, "app record: \"uid\" out of range");
  if (!object->contains("current")) return status(status_code::invalid_argument, "app record: \"current\" is required");
  if (auto read = read_version((*object)["current"], "app record: \"current\"", out.current); !read.is_ok()) return read;
  if (object->contains("previous") && !(*object)["previous"].is_null()) {
    out.previous.emplace();
    if (auto read = read_version((*object)["previous"], "app record: \"previous\"", *out.previous); !read.is_ok()) return read;
  }
  return out;
}

std::string app_record_json(const app_record& record) {
  return json{{"name", record.name},
              {"publisher", record.publisher},
              {"uid", record.uid},
              {"current", version_json(record.current)},
              {"previous", record.previous ? version_json(*record.previous) : json(nullptr)},
              {"nodes", record.nodes},
              {"stopped", record.stopped},
              {"installed_by", record.installed_by},
              {"changed_unix_s", record.changed_unix_s}}
      .dump();
}

result<repo_entry> parse_repo_entry(std::string_view text) {
  auto object = parse_object(text, "repo entry");
  if (!object) return object.error();
  repo_entry out;
  json_fields f(*object, "repo entry");
  f.get("name", out.name, true);
  f.get("version", out.version, true);
  f.get("content_id", out.content_id, true);
  f.get("file", out.file, true);
  f.get("size_bytes", out.size_bytes);
  f.get("description", out.description);
  f.get("publisher", out.publisher);
  f.no_others();
  if (!f.ok()) return f.error();
  if (auto valid = check_content_id(out.content_id); !valid.is_ok()) return status(status_code::invalid_argument, "repo entry: " + valid.message());
  return out;
}

std::string repo_entry_json(const repo_entry& entry) {
  return json{{"name", entry.name},         {"version", entry.version},   {"content_id", entry.content_id},
              {"file", entry.file},         {"size_bytes", entry.size_bytes}, {"description", entry.description},
              {"publisher", entry.publisher}}
      .dump();
}

result<repo_source> parse_repo_source(std::string_view text) {
  auto object = parse_object(text, "repo source");
  if (!object) return object.error();
  repo_source out;
  json_fields f(*object, "repo source");
  f.get("name", out.name, true);
  f.get("url", out.url, true);
  f.get("public_key", out.public_key, true);
  f.no_others();
  if (!f.ok()) return f.error();
  return out;
}

std::string repo_source_json(const repo_source& source) {
  return json{{"name", source.name}, {"url", source.url}, {"public_key", source.public_key}}.dump();
}

}  // namespace bucky::packages
