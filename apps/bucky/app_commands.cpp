#include "apps/bucky/app_commands.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/packages/app_install.hpp"
#include "actors/packages/package_file.hpp"
#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/service_json.hpp"
#include "actors/zone_state/signed_documents.hpp"
#include "actors/zone_state/system_config.hpp"
#include "apps/bucky/app_repo.hpp"
#include "apps/bucky/fs_client.hpp"
#include "apps/bucky/json_output.hpp"
#include "apps/bucky/pkg_commands.hpp"
#include "apps/bucky/service_commands.hpp"
#include "apps/bucky/zone_repo.hpp"

namespace bucky::cli {

namespace {

using json = nlohmann::json;
using namespace packages;

// Each ask answered at the terminal; nothing granted without a terminal.
app_grants ask_at_terminal(const app_permissions& asks) {
  const auto lines = ask_lines(asks);
  std::vector<bool> yes;
  for (const auto& line : lines) {
    std::cout << "  allow it to " << line << "? [y/N] " << std::flush;
    std::string reply;
    std::getline(std::cin, reply);
    yes.push_back(reply == "y" || reply == "Y" || reply == "yes");
  }
  return grants_from_answers(asks, yes);
}

result<app_grants> choose_grants(const app_manifest& manifest, const app_options& app) {
  if (!app.grants.empty() || app.no_prompt || !::isatty(0) || ask_lines(manifest.permissions).empty()) {
    return grants_from_flags(manifest.permissions, app.grants);
  }
  std::cout << fmt::format("{} {} asks to:\n", manifest.name, manifest.version);
  return ask_at_terminal(manifest.permissions);
}

std::string granted_text(const app_grants& grants) {
  app_permissions as_asks;
  for (const auto& folder : grants.folders) as_asks.folders.push_back({folder.path, folder.writable ? folder_access::write : folder_access::read});
  as_asks.network = grants.network;
  as_asks.services = grants.services;
  return asks_text(as_asks);
}

std::int64_t unix_now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Writes the change (one transaction); a refusal says the app changed meanwhile.
// The revision written.
result<std::int64_t> write_change_txn(fs_target& target, const cli_options& options, const app_change& change) {
  auto answer = kv_call(target.session, options, app_change_request(change));
  if (!answer) return answer.error();
  if (!answer->response.succeeded) {
    return status(status_code::already_exists,
                  fmt::format("app {}: changed by someone else meanwhile (or its uid was taken): nothing written; run it again",
                              change.record.name));
  }
  return answer->response.revision;
}

int write_change(fs_target& target, const cli_options& options, const app_change& change, const std::string& done,
                 const app_options& app) {
  const auto written_at = std::chrono::steady_clock::now();
  auto revision = write_change_txn(target, options, change);
  if (!revision) return fail(1, revision.error().message());
  std::cout << fmt::format("app {} {} {} (revision {}); granted: {}\n", change.record.name, done,
                           change.record.current.version, *revision, granted_text(change.record.current.grants));
  return app.wait_ms == 0 ? 0 : wait_running(target.session, options, change.record.name, app.wait_ms, written_at);
}

struct loaded_package {
  std::string bytes;
  opened_package opened;  // views into bytes
};

result<std::unique_ptr<loaded_package>> load_package(const cli_options& options, fs_target& target, const std::string& wanted) {
  auto out = std::make_unique<loaded_package>();
  if (std::filesystem::exists(wanted) || wanted.ends_with(package_extension)) {
    auto bytes = read_package_file(wanted);
    if (!bytes) return bytes.error();
    out->bytes = std::move(*bytes);
  } else if (auto fetched = fetch_from_repos(options, target.session, wanted)) {
    out->bytes = std::move(*fetched);
  } else if (auto kept = fetch_from_zone_repo(target, options, wanted)) {
    out->bytes = std::move(*kept);  // no repo has it (any more): the copy the zone kept
  } else {
    return status(fetched.error().code(), fmt::format("{}; {}", fetched.error().message(), kept.error().message()));
  }
  auto opened = open_package(out->bytes, wanted);
  if (!opened) return opened.error();
  out->opened = std::move(*opened);
  return out;
}

// The common part of install and upgrade: the package, the session, the state.
struct prepared_change {
  fs_target* target;
  std::unique_ptr<loaded_package> package;
  app_state state;
  std::string signer;
};

result<prepared_change> prepare_change(fs_target& target, const cli_options& options, const std::string& wanted) {
  auto package = load_package(options, target, wanted);
  if (!package) return package.error();
  const auto& manifest = (*package)->opened.manifest;
  auto state = read_app_state(target.session, options, manifest.name);
  if (!state) return state.error();
  auto signer = signer_name(target.session, options);
  if (!signer) return signer.error();
  return prepared_change{&target, std::move(*package), std::move(*state), std::move(*signer)};
}

void print_offer(const prepared_change& prepared) {
  const auto& manifest = prepared.package->opened.manifest;
  std::cout << fmt::format("{} {} by publisher {}\n  content id {}\n  asks for   {}\n", manifest.name, manifest.version,
                           manifest.publisher.to_text(), prepared.package->opened.content_id,
                           asks_text(manifest.permissions));
}

app_change change_for(prepared_change& prepared, const app_grants& grants, std::uint32_t uid, std::vector<std::string> nodes) {
  const auto& opened = prepared.package->opened;
  app_change change;
  change.record.name = opened.manifest.name;
  change.record.publisher = opened.manifest.publisher.to_text();
  change.record.uid = uid;
  change.record.current = {opened.manifest.version, opened.content_id, grants};
  change.record.nodes = std::move(nodes);
  change.record.installed_by = prepared.signer;
  change.record.changed_unix_s = unix_now_s();
  change.record.stopped = prepared.state.record && prepared.state.record->stopped;  // an upgrade keeps it stopped
  change.spec = app_spec(opened.manifest, opened.content_id, uid, grants, change.record.nodes);
  if (change.record.stopped) change.spec.instances = 0;
  sign_spec(change.spec, prepared.signer, *prepared.target->session.key);
  change.record_revision = prepared.state.record_revision;
  change.spec_revision = prepared.state.spec_revision;
  change.added = repo_entry{opened.manifest.name, opened.manifest.version, opened.content_id,
                            app_keys::package_file(opened.content_id), opened.size_bytes,
                            opened.manifest.description, change.record.publisher};
  return change;
}

status check_nodes(const fs_target& target, const std::vector<std::string>& nodes) {
  for (const auto& node : nodes) {
    if (std::find(target.session.nodes.begin(), target.session.nodes.end(), node) == target.session.nodes.end()) {
      return status(status_code::invalid_argument, fmt::format("--node {}: the zone has no such node (its nodes: {})", node,
                                                               fmt::join(target.session.nodes, ", ")));
    }
  }
  return {};
}

struct installed_app {
  fs_target target;
  app_state state;  // with a record
};

result<installed_app> open_installed(const cli_options& options, const std::string& name) {
  auto target = open_fs_target(options);
  if (!target) return target.error();
  auto state = read_app_state(target->session, options, name);
  if (!state) return state.error();
  if (!state->record) return status(status_code::not_found, fmt::format("app {} is not installed (bucky app list)", name));
  return installed_app{std::move(*target), std::move(*state)};
}


// Install's checks and writes once the grants are chosen; the change written and
// its revision.
result<std::pair<app_change, std::int64_t>> install_prepared(prepared_change& prepared, const app_grants& grants,
                                                             const std::vector<std::string>& nodes,
                                                             const cli_options& options) {
  const auto& manifest = prepared.package->opened.manifest;
  if (prepared.state.record) {
    return status(status_code::already_exists,
                  fmt::format("app {} is installed already (version {}): upgrade it to change it", manifest.name,
                              prepared.state.record->current.version));
  }
  if (prepared.state.spec_revision != 0) {
    return status(status_code::already_exists,
                  fmt::format("a service named {} exists (bucky service list): remove it or rename the app", manifest.name));
  }
  if (auto valid = check_nodes(*prepared.target, nodes); !valid.is_ok()) return valid;
  auto uid = pick_uid(prepared.state.uids, manifest.name);
  if (!uid) return status(status_code::no_space, "every app uid is taken: remove apps with --purge to free theirs");
  auto change = change_for(prepared, grants, *uid, nodes);
  change.new_uid = !prepared.state.uids.contains(*uid);
  if (auto kept = keep_in_zone_repo(*prepared.target, prepared.state, prepared.package->opened, prepared.package->bytes, options);
      !kept.is_ok()) {
    return status(kept.code(), fmt::format("app {}: keeping the package in the zone repo failed: {}; nothing installed",
                                           manifest.name, kept.message()));
  }
  auto revision = write_change_txn(*prepared.target, options, change);
  if (!revision) return revision.error();
  return std::pair{std::move(change), *revision};
}

}  // namespace

int app_install(const cli_options& options, const app_options& app) {
  auto target = open_fs_target(options);
  if (!target) return fail_with(target.error());
  auto prepared = prepare_change(*target, options, app.target);
  if (!prepared) return fail_with(prepared.error());
  print_offer(*prepared);
  auto grants = choose_grants(prepared->package->opened.manifest, app);
  if (!grants) return fail_with(grants.error());
  const auto written_at = std::chrono::steady_clock::now();
  auto installed = install_prepared(*prepared, *grants, app.nodes, options);
  if (!installed) return fail_with(installed.error());
  const auto& [change, revision] = *installed;
  std::cout << fmt::format("app {} installed {} (revision {}); granted: {}\n", change.record.name,
                           change.record.current.version, revision, granted_text(change.record.current.grants));
  return app.wait_ms == 0 ? 0 : wait_running(target->session, options, change.record.name, app.wait_ms, written_at);
}

result<json> app_offer(fs_target& target, const cli_options& options, const std::string& wanted) {
  auto prepared = prepare_change(target, options, wanted);
  if (!prepared) return prepared.error();
  const auto& opened = prepared->package->opened;
  const auto& manifest = opened.manifest;
  return json{{"name", manifest.name},
              {"version", manifest.version},
              {"description", manifest.description},
              {"publisher", manifest.publisher.to_text()},
              {"content_id", opened.content_id},
              {"size_bytes", opened.size_bytes},
              {"asks", ask_lines(manifest.permissions)},
              {"installed", prepared->state.record ? prepared->state.record->current.version : ""}};
}

result<json> app_install_answering(fs_target& target, const cli_options& options, const std::string& wanted,
                                   const std::string& content_id, const std::vector<bool>& answers) {
  auto prepared = prepare_change(target, options, wanted);
  if (!prepared) return prepared.error();
  const auto& opened = prepared->package->opened;
  if (opened.content_id != content_id) {
    return status(status_code::already_exists,
                  fmt::format("{} is now {}, not the package {} that was shown: look at what it asks again", wanted,
                              opened.content_id, content_id));
  }
  const auto lines = ask_lines(opened.manifest.permissions);
  if (answers.size() != lines.size()) {
    return status(status_code::invalid_argument,
                  fmt::format("{} asks {} things; {} answers came", opened.manifest.name, lines.size(), answers.size()));
  }
  auto installed = install_prepared(*prepared, grants_from_answers(opened.manifest.permissions, answers), {}, options);
  if (!installed) return installed.error();
  const auto& [change, revision] = *installed;
  return json{{"name", change.record.name}, {"version", change.record.current.version},
              {"granted", granted_text(change.record.current.grants)}, {"revision", revision}};
}


int app_upgrade(const cli_options& options, const app_options& app) {
  auto target = open_fs_target(options);
  if (!target) return fail_with(target.error());
  auto prepared = prepare_change(*target, options, app.target);
  if (!prepared) return fail_with(prepared.error());
  print_offer(*prepared);
  const auto& manifest = prepared->package->opened.manifest;
  const auto& record = prepared->state.record;
  if (!record) return fail(1, fmt::format("app {} is not installed: bucky app install {}", manifest.name, app.target));
  if (record->publisher != manifest.publisher.to_text()) {
    return fail(2, fmt::format("app {}: this package is from publisher {}, the installed one from {}: refused (remove the app "
                               "and install this one if you trust the new publisher)", manifest.name, manifest.publisher.to_text(),
                               record->publisher));
  }
  if (record->current.content_id == prepared->package->opened.content_id) {
    return fail(1, fmt::format("app {} runs this package already (version {})", manifest.name, manifest.version));
  }
  // Without --grant, what was granted and is still asked stays granted; new asks
  // are not granted until an upgrade (or reinstall) grants them.
  auto grants = app.grants.empty() ? result<app_grants>(carry_grants(record->current.grants, manifest.permissions))
                                   : grants_from_flags(manifest.permissions, app.grants);
  if (!grants) return fail_with(grants.error());
  auto change = change_for(*prepared, *grants, record->uid, app.nodes.empty() ? record->nodes : app.nodes);
  change.record.previous = record->current;
  if (auto kept = keep_in_zone_repo(*prepared->target, prepared->state, prepared->package->opened, prepared->package->bytes, options);
      !kept.is_ok()) {
    return fail(1, fmt::format("app {}: keeping the package in the zone repo failed: {}; nothing changed", manifest.name, kept.message()));
  }
  if (auto valid = check_nodes(*prepared->target, app.nodes); !valid.is_ok()) return fail_with(valid);
  std::cout << fmt::format("upgrading {} {} -> {}\n", manifest.name, record->current.version, manifest.version);
  const int done = write_change(*prepared->target, options, change, "upgraded to", app);
  prune_zone_repo(*prepared->target, options, manifest.name);  // the version before the previous one
  return done;
}

int app_rollback(const cli_options& options, const app_options& app) {
  auto installed = open_installed(options, app.target);
  if (!installed) return fail_with(installed.error());
  auto& [target, state] = *installed;
  if (!state.record->previous) return fail(1, fmt::format("app {} has no earlier version to go back to", app.target));
  const auto previous = *state.record->previous;
  // The zone repo's copy, verified like any package: the manifest comes from it.
  const std::string file = app_keys::package_file(previous.content_id);
  auto bytes = zone_get_bytes(target, file, package_limits::file_bytes_max, options.timeout_ms);
  if (!bytes) return fail(1, fmt::format("app {}: the zone repo lost version {} ({}): install it again", app.target, previous.version, bytes.error().message()));
  if (content_id_of(*bytes) != previous.content_id) return fail(1, fmt::format("app {}: the zone repo's copy of version {} is altered: refused", app.target, previous.version));
  auto opened = open_package(*bytes, file);
  if (!opened) return fail(1, opened.error().message());
  auto signer = signer_name(target.session, options);
  if (!signer) return fail_with(signer.error());
  app_change change;
  change.record = *state.record;
  change.record.current = previous;
  change.record.previous = state.record->current;
  change.record.installed_by = *signer;
  change.record.changed_unix_s = unix_now_s();
  change.spec = app_spec(opened->manifest, opened->content_id, change.record.uid, previous.grants, change.record.nodes);
  if (change.record.stopped) change.spec.instances = 0;
  sign_spec(change.spec, *signer, *target.session.key);
  change.record_revision = state.record_revision;
  change.spec_revision = state.spec_revision;
  return write_change(target, options, change, "rolled back to", app);
}

result<std::string> app_remove_as(fs_target& target, const cli_options& options, const std::string& name, bool purge) {
  auto state = read_app_state(target.session, options, name);
  if (!state) return state.error();
  if (!state->record) return status(status_code::not_found, fmt::format("app {} is not installed (bucky app list)", name));
  auto answer = kv_call(target.session, options, app_remove_request(*state->record, state->record_revision, state->spec_revision, purge));
  if (!answer) return answer.error();
  if (!answer->response.succeeded) {
    return status(status_code::already_exists, fmt::format("app {}: changed by someone else meanwhile; nothing removed; run it again", name));
  }
  if (!purge) {
    return fmt::format("app {} removed; its data stays in /apps/{} (bucky app remove {} --purge deletes it)", name, name, name);
  }
  fs_request request;
  request.op = fs_op::remove;
  request.path = fmt::format("/apps/{}", name);
  request.recursive = true;
  for (std::uint64_t round = 0; round < fs_cli_limits::remove_rounds_max; ++round) {
    auto reply = fs_call(target, request, std::max(options.timeout_ms, fs_cli_limits::long_call_timeout_ms_min));
    if (!reply) return status(reply.error().code(), fmt::format("app {} removed, but its data at {}: {}", name, request.path, reply.error().message()));
    if (reply->error == ENOENT) break;
    if (reply->error != 0) return status(status_code::io_error, fmt::format("app {} removed, but its data at {}: {}", name, request.path, reply->message));
    if (!reply->more) break;
  }
  prune_zone_repo(target, options, name);
  return fmt::format("app {} removed with its data", name);
}

result<std::string> app_set_public(admin_session& session, const cli_options& options, const std::string& name, bool on) {
  auto state = read_app_state(session, options, name);
  if (!state) return state.error();
  if (!state->record) return status(status_code::not_found, fmt::format("app {} is not installed (bucky app list)", name));
  auto answer = kv_call(session, options, app_public_request(name, state->record_revision, on));
  if (!answer) return answer.error();
  if (!answer->response.succeeded) {
    return status(status_code::already_exists, fmt::format("app {}: changed by someone else meanwhile; run it again", name));
  }
  return on ? fmt::format("app {} is public: anyone who reaches the gateway reaches it, without signing in", name)
            : fmt::format("app {} is private: only people signed in to the zone reach it", name);
}

result<std::string> app_set_running(admin_session& session, const cli_options& options, const std::string& name,
                                    bool run) {
  auto state = read_app_state(session, options, name);
  if (!state) return state.error();
  if (!state->record) return status(status_code::not_found, fmt::format("app {} is not installed (bucky app list)", name));
  if (!state->spec) {
    return status(status_code::not_found, fmt::format("app {} has no spec at {}: install it again", name,
                                                      system_keys::service_spec(name)));
  }
  if (state->record->stopped == !run && state->spec->instances == (run ? 1u : 0u)) {
    return fmt::format("app {} is {} already", name, run ? "running" : "stopped");
  }
  auto signer = signer_name(session, options);
  if (!signer) return signer.error();
  app_change change;
  change.record = *state->record;
  change.record.stopped = !run;
  change.record.installed_by = *signer;
  change.record.changed_unix_s = unix_now_s();
  change.spec = *state->spec;
  change.spec.instances = run ? 1 : 0;
  sign_spec(change.spec, *signer, *session.key);
  change.record_revision = state->record_revision;
  change.spec_revision = state->spec_revision;
  auto answer = kv_call(session, options, app_change_request(change));
  if (!answer) return answer.error();
  if (!answer->response.succeeded) {
    return status(status_code::already_exists, fmt::format("app {}: changed by someone else meanwhile; run it again", name));
  }
  return run ? fmt::format("app {} starts: the scheduler places it again (bucky app status {})", name, name)
             : fmt::format("app {} stops: its instance ends within its grace; its data and grants stay (bucky app "
                           "start {})", name, name);
}

int app_run(const cli_options& options, const app_options& app, bool run) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  auto done = app_set_running(*session, options, app.target, run);
  if (!done) return fail_with(done.error());
  std::cout << *done << "\n";
  return 0;
}

int app_public(const cli_options& options, const app_options& app, bool off) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  auto done = app_set_public(*session, options, app.target, !off);
  if (!done) return fail_with(done.error());
  std::cout << *done << "\n";
  return 0;
}

int app_remove(const cli_options& options, const app_options& app) {
  auto target = open_fs_target(options);
  if (!target) return fail_with(target.error());
  auto removed = app_remove_as(*target, options, app.target, app.purge);
  if (!removed) return fail_with(removed.error());
  std::cout << *removed << "\n";
  return 0;
}

int app_list(const cli_options& options, const app_options& app) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  kv_request request;
  request.success.push_back(range_op(app_keys::apps_prefix, prefix_range_end(app_keys::apps_prefix)));
  auto answer = kv_call(*session, options, request);
  if (!answer) return fail_with(answer.error());
  json rows = json::array();
  for (const auto& kv : answer->response.results.at(0).kvs) {
    auto record = parse_app_record(kv.value);
    if (!record) continue;
    rows.push_back({{"name", record->name}, {"version", record->current.version}, {"content_id", record->current.content_id},
                    {"previous", record->previous ? record->previous->version : ""}, {"uid", record->uid},
                    {"granted", granted_text(record->current.grants)}, {"stopped", record->stopped},
                    {"revision", kv.mod_revision}});
  }
  if (options.json_output || app.json_output) {
    std::cout << json_text(json{{"apps", rows}}) << "\n";
    return 0;
  }
  if (rows.empty()) std::cout << "no apps (bucky app install FILE.bpkg)\n";
  else std::cout << fmt::format("{:<16} {:<12} {:<12} {:<7} {:<8} {}\n", "APP", "VERSION", "PREVIOUS", "UID", "STATE", "GRANTED");
  for (const auto& row : rows) {
    std::cout << fmt::format("{:<16} {:<12} {:<12} {:<7} {:<8} {}\n", row["name"].get<std::string>(), row["version"].get<std::string>(),
                             row["previous"].get<std::string>(), row["uid"].get<std::uint32_t>(),
                             row["stopped"].get<bool>() ? "stopped" : "running", row["granted"].get<std::string>());
  }
  return 0;
}

}  // namespace bucky::cli
