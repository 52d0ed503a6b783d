// The decisions of bucky app install|upgrade|rollback|remove, as plain functions
// (the CLI reads the zone state, calls these, and writes their one transaction):
// which of an app's asks the owner granted, which host uid it runs as, the signed
// service spec that runs it, and the transaction that installs it with its guards
// (a concurrent install, upgrade or uid grab makes it fail, never half-apply).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/packages/app_record.hpp"
#include "actors/packages/manifest.hpp"
#include "messages/common/status.hpp"
#include "messages/kv.hpp"
#include "messages/service.hpp"

namespace bucky::packages {

// The asks granted by --grant flags:
//   all               everything as asked
//   network           the network
//   service:NAME      one service
//   /PATH             one folder as asked (read or write)
//   /PATH:read        one folder, read-only even if it asked to write
// A flag for something the app did not ask for is refused (naming it).
result<app_grants> grants_from_flags(const app_permissions& asks, const std::vector<std::string>& flags);

// An upgrade's grants: those of `before` that the new asks still ask for (a folder
// granted write stays write only if it is still asked write).
app_grants carry_grants(const app_grants& before, const app_permissions& asks);

// Everything asked, each as one line a person answers y/n to; and the grants of the
// asks answered yes (same order).
std::vector<std::string> ask_lines(const app_permissions& asks);
app_grants grants_from_answers(const app_permissions& asks, const std::vector<bool>& yes);

// The uid for `name`: the one it had (kept in /apps-uids/ when it was removed
// without --purge), else the lowest free one; nothing when all are taken.
std::optional<std::uint32_t> pick_uid(const std::map<std::uint32_t, std::string>& taken, const std::string& name);

// The spec that runs the app: command under /app, one instance, always restarted,
// its memory as the address-space limit, its ports, and the sandbox of its package,
// uid and grants. Unsigned: the CLI signs it with the owner's or an admin's key.
service_spec app_spec(const app_manifest& manifest, const std::string& content_id, std::uint32_t uid,
                      const app_grants& grants, const std::vector<std::string>& nodes = {});

// What one install, upgrade or rollback writes.
struct app_change {
  app_record record;
  service_spec spec;  // signed
  std::optional<repo_entry> added;  // the zone repo's new index entry, when it holds a new package
  std::int64_t record_revision = 0;  // of /apps/<name> as read (0: not installed)
  std::int64_t spec_revision = 0;    // of /services/<name>/spec as read (0: none)
  bool new_uid = false;              // /apps-uids/<uid> is written (must not exist yet)
};

kv_request app_change_request(const app_change& change);

// Public or not (the gateway then lets anyone reach it without signing in): the
// flag put or deleted, if the app's record is still at `record_revision`.
kv_request app_public_request(const std::string& name, std::int64_t record_revision, bool on);

// Removal: the record and the spec; with purge also the uid (the data folder is
// removed by the CLI through the file system).
kv_request app_remove_request(const app_record& record, std::int64_t record_revision, std::int64_t spec_revision,
                              bool purge);

}  // namespace bucky::packages
