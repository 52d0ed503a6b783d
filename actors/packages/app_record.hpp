// Installed apps and the zone repo in the zone state (DESIGN §10.2). Written by
// bucky app install|upgrade|rollback|remove in one transaction each, with the app's
// signed service spec (/services/<name>/spec, which is what nodes run):
//
//   /apps/<name>             app_record: the version running, the one before it
//                            (rollback), its uid, what was granted
//   /apps-uids/<uid>         the app's name: a host uid is never given to two apps,
//                            and an app removed without --purge gets its uid back
//   /repo/<name>/<version>   repo_entry: the zone repo's index of packages it holds
//   zone file system /packages/<hex>.bpkg   the packages themselves (chunk store)
//   /repos/<name>            repo_source: an external repo the owner added
//   /apps-public/<name>      present: the gateway lets anyone reach the app without
//                            signing in (bucky app public; removed with the app)
//
// Plain JSON documents; parsing is strict and bounded like every zone document.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/packages/manifest.hpp"
#include "messages/common/status.hpp"
#include "messages/service.hpp"

namespace bucky::packages {

namespace app_keys {
inline constexpr const char* apps_prefix = "/apps/";
inline constexpr const char* uids_prefix = "/apps-uids/";
inline constexpr const char* repo_prefix = "/repo/";
inline constexpr const char* sources_prefix = "/repos/";
inline constexpr const char* public_prefix = "/apps-public/";
inline constexpr const char* packages_dir = "/packages";  // zone file system
std::string record(const std::string& name);
std::string uid(std::uint32_t uid);
std::string repo_entry(const std::string& name, const std::string& version);
std::string source(const std::string& name);
std::string public_flag(const std::string& name);
std::string package_file(const std::string& content_id);  // "/packages/<hex>.bpkg"
}  // namespace app_keys

// What the owner granted of what the app asked for (a subset of its manifest's asks).
struct app_grants {
  std::vector<folder_grant> folders;
  bool network = false;
  std::vector<std::string> services;
  bool operator==(const app_grants&) const = default;
};

struct installed_version {
  std::string version;
  std::string content_id;
  app_grants grants;
  bool operator==(const installed_version&) const = default;
};

struct app_record {
  std::string name;
  std::string publisher;  // base64url Ed25519: an upgrade must come from the same one
  std::uint32_t uid = 0;
  installed_version current;
  std::optional<installed_version> previous;  // what rollback returns to
  std::vector<std::string> nodes;             // only these nodes (--node); empty: any node
  bool stopped = false;                       // bucky app stop: its spec asks for 0 instances
  std::string installed_by;                   // "owner" or an admin's name
  std::int64_t changed_unix_s = 0;
  bool operator==(const app_record&) const = default;
};

result<app_record> parse_app_record(std::string_view text);
std::string app_record_json(const app_record& record);

struct repo_entry {
  std::string name;
  std::string version;
  std::string content_id;
  std::string file;  // zone path of the package
  std::uint64_t size_bytes = 0;
  std::string description;
  std::string publisher;
  bool operator==(const repo_entry&) const = default;
};

result<repo_entry> parse_repo_entry(std::string_view text);
std::string repo_entry_json(const repo_entry& entry);

// An external repo: where its index is and the key that must have signed it.
struct repo_source {
  std::string name;
  std::string url;         // http://, https:// or a local directory
  std::string public_key;  // base64url Ed25519
  bool operator==(const repo_source&) const = default;
};

result<repo_source> parse_repo_source(std::string_view text);
std::string repo_source_json(const repo_source& source);

}  // namespace bucky::packages
