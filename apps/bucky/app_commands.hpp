// bucky app install|upgrade|rollback|remove|list|status: installed apps (DESIGN
// §10.2). Install and upgrade take a package file (or, from a repo, NAME[#VERSION]),
// open it as every node will (hash, publisher signature, manifest), show what it
// asks for, keep the package in the zone repo (/packages/ in the zone file system)
// and write the app in one transaction (actors/packages/app_install.hpp); the
// scheduler places it and a node runs it in its sandbox. Exit codes: 0, 1 failure,
// 2 bad usage or a package refused.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/bucky/fs_client.hpp"
#include "apps/bucky/session.hpp"

namespace bucky::cli {

struct app_options {
  std::string target;               // install, upgrade: FILE or NAME[#VERSION]; others: NAME
  std::vector<std::string> grants;  // --grant (app_install.hpp: grants_from_flags)
  std::vector<std::string> nodes;   // --node: only these nodes (install; upgrade keeps the last)
  bool no_prompt = false;           // --yes: grant only what --grant says, ask nothing
  bool purge = false;               // remove: its data folder and uid too
  std::uint64_t wait_ms = 0;        // until it runs
  bool json_output = false;
};

int app_install(const cli_options& options, const app_options& app);
int app_upgrade(const cli_options& options, const app_options& app);
int app_rollback(const cli_options& options, const app_options& app);
int app_remove(const cli_options& options, const app_options& app);
int app_list(const cli_options& options, const app_options& app);
int app_public(const cli_options& options, const app_options& app, bool off);
// bucky app stop|start NAME.
int app_run(const cli_options& options, const app_options& app, bool run);

// The same for the control panel (apps/panel/), with the person's session and no
// terminal. What a package (FILE or NAME[#VERSION]) would be and asks for, one line
// per ask as the CLI asks them: {name, version, description, publisher, content_id,
// size_bytes, asks, installed}.
result<nlohmann::json> app_offer(fs_target& target, const cli_options& options, const std::string& wanted);
// Installs it granting the asks answered yes (in the order app_offer listed them),
// only if it is still the package `content_id` that was shown: {name, version,
// granted, revision}.
result<nlohmann::json> app_install_answering(fs_target& target, const cli_options& options, const std::string& wanted,
                                             const std::string& content_id, const std::vector<bool>& answers);
// Makes an installed app public (reached without signing in) or private again.
result<std::string> app_set_public(admin_session& session, const cli_options& options, const std::string& name, bool on);
// Stops an installed app (its spec signed anew with 0 instances; grants, data and
// version stay) or starts it again.
result<std::string> app_set_running(admin_session& session, const cli_options& options, const std::string& name,
                                    bool run);
// Removes an app (and with `purge` its data and uid); what was done, in words.
result<std::string> app_remove_as(fs_target& target, const cli_options& options, const std::string& name, bool purge);

}  // namespace bucky::cli
