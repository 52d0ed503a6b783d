// What bucky app reads and keeps in the zone for one app (app_commands.cpp uses
// it): its state in one linearizable read, and the zone repo, the packages kept at
// /packages/ in the zone file system with their index at /repo/ in the zone state
// (actors/packages/app_record.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "actors/packages/app_record.hpp"
#include "actors/packages/package_file.hpp"
#include "messages/service.hpp"
#include "apps/bucky/fs_client.hpp"

namespace bucky::cli {

struct app_state {
  std::optional<packages::app_record> record;
  std::int64_t record_revision = 0;
  std::int64_t spec_revision = 0;
  std::optional<service_spec> spec;  // /services/<name>/spec as read
  std::map<std::uint32_t, std::string> uids;           // every reserved uid and its app
  std::map<std::string, packages::repo_entry> repo;    // the zone repo's entries for this app, by version
};

// /apps/<name>, its spec's revision, every reserved uid and the app's zone repo entries.
result<app_state> read_app_state(admin_session& session, const cli_options& options, const std::string& name);

// The package in the zone repo: written unless its file is there already.
status keep_in_zone_repo(fs_target& target, const app_state& state, const packages::opened_package& package,
                         const std::string& bytes, const cli_options& options);

// NAME[#VERSION] from the zone repo (what was installed before): the newest release,
// or that version; its bytes checked against the content id the index names.
result<std::string> fetch_from_zone_repo(fs_target& target, const cli_options& options, const std::string& wanted);

// Zone repo entries of `name` that no app record refers to (as current or previous
// version): their index entries and package files go. Run after the records changed.
void prune_zone_repo(fs_target& target, const cli_options& options, const std::string& name);

}  // namespace bucky::cli
